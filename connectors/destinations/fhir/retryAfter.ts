// Retry-After (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Stores send it
// with 429 and 503; the retry policy honours it (DESIGN §4.5).

/** Milliseconds to wait from `now`, or undefined when absent or unreadable. A date in the past means 0. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10) * 1000;
  // Only date forms: Date.parse would also take plain numbers such as "1.5" as years.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

// "A backlog draining: records left, rate, time to finish" (DESIGN §8), from the overview
// snapshots the UI already receives. Pure, so it is tested under Node.

export interface BacklogSample {
  at: number;
  /** Deliveries still owed, all destinations. */
  pending: number;
  /** Deliveries made so far, all destinations. */
  delivered: number;
}

export interface BacklogEstimate {
  left: number;
  /** Deliveries per minute over the window, or null while too little time has passed. */
  ratePerMinute: number | null;
  /** Time to deliver what is left at that rate; null when unknown or nothing moves. */
  etaMs: number | null;
}

/** Keeps the samples of the last `windowMs` (and at least the newest two). */
export function keepRecent(samples: BacklogSample[], now: number, windowMs = 60_000): BacklogSample[] {
  const recent = samples.filter((s) => now - s.at <= windowMs);
  return recent.length >= 2 ? recent : samples.slice(-2);
}

export function estimateBacklog(samples: readonly BacklogSample[], minSpanMs = 3_000): BacklogEstimate {
  const last = samples[samples.length - 1];
  if (!last) return { left: 0, ratePerMinute: null, etaMs: null };
  const first = samples[0]!;
  const span = last.at - first.at;
  if (span < minSpanMs) return { left: last.pending, ratePerMinute: null, etaMs: null };
  const ratePerMinute = (Math.max(0, last.delivered - first.delivered) / span) * 60_000;
  const etaMs = ratePerMinute > 0 ? (last.pending / ratePerMinute) * 60_000 : null;
  return { left: last.pending, ratePerMinute, etaMs };
}

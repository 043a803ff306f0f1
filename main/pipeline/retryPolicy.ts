// When to try a delivery again (DESIGN §4.5). A pure function: the defaults come from the
// configuration schema (retry section), the random source is injected so tests are exact.
import { CONFIG_SCHEMA, defaultsOf } from '../config/annotations.js';
import type { RetryConfig } from '../config/schema.js';

export const RETRY_DEFAULTS: RetryConfig = defaultsOf(CONFIG_SCHEMA.properties!.retry!) as RetryConfig;

/**
 * Delay before the next attempt after `attempts` failed ones (1 = first failure):
 * capped exponential backoff with ± jitter; a server's Retry-After wins when it asks
 * for longer (never beyond 24 h).
 */
export function retryDelayMs(attempts: number, policy: RetryConfig = RETRY_DEFAULTS, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = policy.baseDelayMs * Math.pow(policy.factor, Math.max(0, attempts - 1));
  const capped = Math.min(policy.maxDelayMs, exp);
  const jittered = capped * (1 - policy.jitter + 2 * policy.jitter * random());
  const backoff = Math.max(1, Math.round(Math.min(policy.maxDelayMs, jittered)));
  if (retryAfterMs !== undefined && retryAfterMs > backoff) return Math.min(retryAfterMs, 24 * 3_600_000);
  return backoff;
}

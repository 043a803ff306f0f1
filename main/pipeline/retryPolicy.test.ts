import { describe, expect, it } from 'vitest';
import { RETRY_DEFAULTS, retryDelayMs } from './retryPolicy.js';

const mid = () => 0.5; // no jitter effect
describe('retry policy', () => {
  it('backs off exponentially from the base delay up to the cap', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, policy, undefined, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('spreads retries by the jitter fraction and never past the cap', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.2 };
    expect(retryDelayMs(1, policy, undefined, () => 0)).toBe(800);
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(1200);
    expect(retryDelayMs(10, policy, undefined, () => 1)).toBe(60000);
  });

  it("honours a server's Retry-After when it asks for longer, capped at a day", () => {
    expect(retryDelayMs(1, RETRY_DEFAULTS, 7000, mid)).toBe(7000);
    expect(retryDelayMs(1, RETRY_DEFAULTS, 500, mid)).toBe(2000);
    expect(retryDelayMs(1, RETRY_DEFAULTS, 10 * 86_400_000, mid)).toBe(86_400_000);
  });
});

// The destination's health decided by tables of events on a fake clock. Expected states are
// worked out by hand from DESIGN §4.5–4.7 (threshold 3, probes spaced by the retry policy:
// base 1 s, factor 2, jitter ±20 %), never computed with the reducer's own helpers.
import { describe, expect, it } from 'vitest';
import { claimLimit, idleWaitMs, initialHealth, probeDue, reduceHealth, type HealthEvent, type HealthPolicy, type HealthState } from './destinationHealth.js';

const policy: HealthPolicy = { maxBatch: 8, circuitThreshold: 3, retry: { baseDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.2 } };
const err = (code: 'HTTP_503' | 'HTTP_401' | 'TIMEOUT_AFTER_SEND' | 'HTTP_400' | 'DNS_FAILURE') => ({ code, message: `${code} text`, messageVi: `${code} văn bản` }) as const;
/** A jitter sample of 0.5 leaves the spacing exact. */
const fail = (kind: 'transient' | 'ambiguous' | 'auth' | 'misconfigured', code: Parameters<typeof err>[0], extra: Partial<Extract<HealthEvent, { type: 'failed' }>> = {}): HealthEvent => ({
  type: 'failed',
  kind,
  records: 1,
  error: err(code),
  jitter: 0.5,
  ...extra,
});
const delivered = (records = 1): HealthEvent => ({ type: 'delivered', records });

type Step = [at: number, event: HealthEvent, expected: Partial<HealthState>];

/** Runs the steps in order from a fresh destination; every step's expectation is checked. */
function run(steps: Step[], start: HealthState = initialHealth(policy)): HealthState {
  let h = start;
  steps.forEach(([at, event, expected], i) => {
    h = reduceHealth(h, event, at, policy);
    expect({ step: i, ...pick(h, Object.keys(expected) as (keyof HealthState)[]) }).toEqual({ step: i, ...expected });
  });
  return h;
}
const pick = (h: HealthState, keys: (keyof HealthState)[]) => Object.fromEntries(keys.map((k) => [k, h[k]]));

describe('destination health: the circuit', () => {
  it('goes ok → retrying → down at the third failure, with probes spaced by the retry policy', () => {
    run([
      [1_000, fail('transient', 'HTTP_503'), { state: 'retrying', consecutiveFailures: 1 }],
      [2_000, fail('transient', 'HTTP_503'), { state: 'retrying', consecutiveFailures: 2 }],
      // Third failure: down, first probe one base delay later.
      [3_000, fail('transient', 'HTTP_503'), { state: 'down', consecutiveFailures: 3, probeAt: 4_000 }],
      // The probe fails: the next one waits twice as long.
      [4_000, fail('transient', 'HTTP_503'), { state: 'down', consecutiveFailures: 4, probeAt: 6_000 }],
      [6_000, fail('transient', 'HTTP_503'), { state: 'down', consecutiveFailures: 5, probeAt: 10_000 }],
      // The probe goes through: closed again.
      [10_000, delivered(), { state: 'ok', consecutiveFailures: 0 }],
    ]);
  });

  it("waits for the store's Retry-After when it asks for longer, and spreads probes by the jitter sample", () => {
    const two = run([
      [0, fail('transient', 'HTTP_503'), { state: 'retrying' }],
      [0, fail('transient', 'HTTP_503'), { state: 'retrying' }],
    ]);
    expect(reduceHealth(two, fail('transient', 'HTTP_503', { retryAfterMs: 30_000 }), 5_000, policy)).toMatchObject({ state: 'down', probeAt: 35_000 });
    expect(reduceHealth(two, fail('transient', 'HTTP_503', { jitter: 0 }), 5_000, policy)).toMatchObject({ state: 'down', probeAt: 5_800 });
    expect(reduceHealth(two, fail('transient', 'HTTP_503', { jitter: 1 }), 5_000, policy)).toMatchObject({ state: 'down', probeAt: 6_200 });
  });

  it('counts timeouts after sending apart, and they open the circuit like any failure', () => {
    run([
      [0, fail('ambiguous', 'TIMEOUT_AFTER_SEND', { records: 4 }), { state: 'retrying', ambiguous: 4 }],
      [0, fail('ambiguous', 'TIMEOUT_AFTER_SEND', { records: 2 }), { state: 'retrying', ambiguous: 6 }],
      [0, fail('transient', 'HTTP_503'), { state: 'down', ambiguous: 6 }],
    ]);
  });

  it('keeps the last error with the time it happened; a rejection touches nothing else', () => {
    run([
      [7_000, fail('transient', 'HTTP_503'), { lastError: { ...err('HTTP_503'), at: 7_000 }, consecutiveFailures: 1 }],
      [8_000, { type: 'rejected', error: err('HTTP_400') }, { state: 'retrying', consecutiveFailures: 1, lastError: { ...err('HTTP_400'), at: 8_000 } }],
      // A success does not erase the last error: the status still shows what happened last.
      [9_000, delivered(), { state: 'ok', lastError: { ...err('HTTP_400'), at: 8_000 } }],
    ]);
  });
});

describe('destination health: pauses', () => {
  it.each([
    ['auth', 'HTTP_401'],
    ['misconfigured', 'DNS_FAILURE'],
  ] as const)('pauses at the first %s failure, and an operator resume clears the circuit', (kind, code) => {
    run([
      [0, fail(kind, code), { state: 'paused', pausedBy: kind, consecutiveFailures: 1 }],
      [1_000, { type: 'operator_resumed' }, { state: 'ok', pausedBy: undefined, consecutiveFailures: 0, probeAt: 0 }],
    ]);
  });

  it("holds an operator's pause whatever deliveries still in flight report", () => {
    run([
      [0, { type: 'operator_paused' }, { state: 'paused', pausedBy: 'operator' }],
      [1, fail('transient', 'HTTP_503'), { state: 'paused', pausedBy: 'operator', consecutiveFailures: 1 }],
      [2, fail('transient', 'HTTP_503'), { state: 'paused', consecutiveFailures: 2 }],
      [3, fail('transient', 'HTTP_503'), { state: 'paused', pausedBy: 'operator', consecutiveFailures: 3 }],
      [4, delivered(), { state: 'paused', pausedBy: 'operator', consecutiveFailures: 0 }],
      [5, { type: 'operator_resumed' }, { state: 'ok', pausedBy: undefined }],
    ]);
  });

  it('resuming a destination that is not paused changes nothing', () => {
    const down = run([
      [0, fail('transient', 'HTTP_503'), {}],
      [0, fail('transient', 'HTTP_503'), {}],
      [0, fail('transient', 'HTTP_503'), { state: 'down', probeAt: 1_000 }],
    ]);
    expect(reduceHealth(down, { type: 'operator_resumed' }, 500, policy)).toBe(down);
  });

  it('stops and starts again healthy', () => {
    run([
      [0, { type: 'stopped' }, { state: 'stopped' }],
      [1, { type: 'started' }, { state: 'ok' }],
      [2, { type: 'started' }, { state: 'ok' }],
    ]);
  });
});

describe('destination health: adaptive batching', () => {
  it('doubles the batch on each success up to the maximum, halves it on failures and split batches', () => {
    run([
      [0, delivered(), { batchSize: 2 }],
      [0, delivered(2), { batchSize: 4 }],
      [0, delivered(4), { batchSize: 8 }],
      [0, delivered(8), { batchSize: 8 }],
      [0, { type: 'batch_split' }, { batchSize: 4 }],
      [0, fail('transient', 'HTTP_503'), { batchSize: 2 }],
      [0, fail('transient', 'HTTP_503'), { batchSize: 1 }],
      [0, fail('transient', 'HTTP_503'), { batchSize: 1 }],
    ]);
  });

  it('starts at one record, and stays there when the mode sends one record per request', () => {
    expect(initialHealth(policy).batchSize).toBe(1);
    const single = { ...policy, maxBatch: 1 };
    expect(reduceHealth(initialHealth(single), delivered(), 0, single).batchSize).toBe(1);
  });
});

describe('what the worker may do', () => {
  const h = (over: Partial<HealthState>): HealthState => ({ ...initialHealth(policy), ...over });
  it.each([
    // state, now, lanes busy, concurrency → records it may claim
    [h({ state: 'ok', batchSize: 4 }), 0, 0, 2, 4],
    [h({ state: 'retrying', batchSize: 2 }), 0, 1, 2, 2],
    [h({ state: 'ok', batchSize: 4 }), 0, 2, 2, 0],
    [h({ state: 'down', probeAt: 1_000, batchSize: 4 }), 999, 0, 2, 0],
    [h({ state: 'down', probeAt: 1_000, batchSize: 4 }), 1_000, 0, 2, 1],
    [h({ state: 'down', probeAt: 1_000 }), 1_000, 1, 2, 0],
    [h({ state: 'paused', pausedBy: 'operator' }), 0, 0, 2, 0],
    [h({ state: 'stopped' }), 0, 0, 2, 0],
  ])('claims %#', (health, now, lanes, concurrency, expected) => {
    expect(claimLimit(health, now, lanes, concurrency)).toBe(expected);
  });

  it.each([
    // state, now, lanes, next due → sleep (ms)
    [h({ state: 'paused' }), 0, 0, 5, 60_000],
    [h({ state: 'down', probeAt: 4_000 }), 1_000, 0, 5, 3_000],
    [h({ state: 'ok' }), 1_000, 0, null, 60_000],
    [h({ state: 'ok' }), 1_000, 0, 1_250, 250],
    [h({ state: 'ok' }), 1_000, 0, 900_000, 60_000],
    // Due now but not claimable (behind the same patient's open record): look again soon,
    [h({ state: 'ok' }), 1_000, 0, 1_000, 50],
    // … unless a lane is busy, whose end wakes the worker.
    [h({ state: 'ok' }), 1_000, 1, 1_000, 60_000],
  ])('sleeps %#', (health, now, lanes, nextDue, expected) => {
    let asked = 0;
    expect(idleWaitMs(health, now, lanes, () => (asked++, nextDue))).toBe(expected);
    // The queue is asked only while the circuit is closed.
    expect(asked).toBe(health.state === 'ok' ? 1 : 0);
  });
});

describe('destination health: probes while down (recovery within a minute)', () => {
  // A long outage on the default retry policy: base 2 s, factor 2, cap 10 min, probes capped at 30 s.
  const longPolicy: HealthPolicy = { maxBatch: 8, circuitThreshold: 3, retry: { baseDelayMs: 2_000, maxDelayMs: 600_000, factor: 2, jitter: 0.2, probeIntervalMs: 30_000 } };
  const probeFailed: HealthEvent = { type: 'probe_failed', error: err('HTTP_503'), jitter: 0.5 };

  it('probes at most every 30 s however long the outage, and the first answer closes the circuit', () => {
    let h = initialHealth(longPolicy);
    h = reduceHealth(h, fail('transient', 'HTTP_503'), 0, longPolicy);
    h = reduceHealth(h, fail('transient', 'HTTP_503'), 0, longPolicy);
    h = reduceHealth(h, fail('transient', 'HTTP_503'), 0, longPolicy);
    // Third failure: down; spacing 2 s (retry policy below the cap).
    expect(h).toMatchObject({ state: 'down', probeAt: 2_000 });
    const probeTimes: number[] = [];
    let now = 2_000;
    // An hour of failed probes: the spacing grows 4 s, 8 s, 16 s, then stays at 30 s.
    while (now < 3_600_000) {
      h = reduceHealth(h, probeFailed, now, longPolicy);
      probeTimes.push(h.probeAt - now);
      now = h.probeAt;
    }
    expect(probeTimes.slice(0, 5)).toEqual([4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(Math.max(...probeTimes)).toBe(30_000);
    expect(h.state).toBe('down');
    // The store answers: closed at once, failures forgotten, no probe pending.
    h = reduceHealth(h, { type: 'probe_answered' }, now, longPolicy);
    expect(h).toMatchObject({ state: 'ok', consecutiveFailures: 0, probeAt: 0 });
  });

  it("caps a store's long Retry-After by the probe interval, and uses a configured interval", () => {
    const fast: HealthPolicy = { ...longPolicy, retry: { ...longPolicy.retry, probeIntervalMs: 1_000 } };
    let h = initialHealth(fast);
    for (let i = 0; i < 3; i++) h = reduceHealth(h, fail('transient', 'HTTP_503', { retryAfterMs: 120_000 }), 10_000, fast);
    expect(h).toMatchObject({ state: 'down', probeAt: 11_000 });
    h = reduceHealth(h, { ...probeFailed, retryAfterMs: 120_000 }, 11_000, fast);
    expect(h).toMatchObject({ state: 'down', probeAt: 12_000, consecutiveFailures: 4 });
  });

  it('a probe outcome while not down changes nothing', () => {
    const ok = initialHealth(longPolicy);
    expect(reduceHealth(ok, { type: 'probe_answered' }, 5, longPolicy)).toBe(ok);
    expect(reduceHealth(ok, probeFailed, 5, longPolicy)).toBe(ok);
  });

  it('while down, the worker probes with GET /metadata rather than a record when it can', () => {
    const down = reduceHealth(
      reduceHealth(reduceHealth(initialHealth(longPolicy), fail('transient', 'HTTP_503'), 0, longPolicy), fail('transient', 'HTTP_503'), 0, longPolicy),
      fail('transient', 'HTTP_503'),
      0,
      longPolicy,
    );
    expect(probeDue(down, 1_999, 0)).toBe(false);
    expect(probeDue(down, 2_000, 0)).toBe(true);
    expect(probeDue(down, 2_000, 1)).toBe(false);
    // With a metadata probe no record is claimed; without one, a single record is the probe.
    expect(claimLimit(down, 2_000, 0, 4, true)).toBe(0);
    expect(claimLimit(down, 2_000, 0, 4, false)).toBe(1);
  });
});

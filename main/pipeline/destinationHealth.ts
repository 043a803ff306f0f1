// A destination's health (DESIGN §4.5–4.7) as a pure reducer: the circuit (ok → retrying →
// down, one probe at a time while down), the adaptive batch size (doubles while healthy,
// halves on failure) and why sending is paused (an operator, refused credentials, a wrong
// endpoint). No clock and no randomness of its own: `now` and the jitter sample come in, so a
// table of events and a fake clock decide every state. The delivery worker keeps the I/O.
import type { RetryConfig } from '../config/schema.js';
import type { DeliveryCode, Texts } from '../../connectors/destinations/fhir/deliveryCodes.js';
import { retryDelayMs } from './retryPolicy.js';

export const DestinationHealth = {
  ok: 'ok',
  retrying: 'retrying',
  /** Circuit open: one probe at a time until the store answers again. */
  down: 'down',
  /** Needs a person: credentials refused or endpoint wrong; or paused by an operator. */
  paused: 'paused',
  stopped: 'stopped',
} as const;
export type DestinationHealth = (typeof DestinationHealth)[keyof typeof DestinationHealth];

export const PauseReason = {
  operator: 'operator',
  /** Credentials refused (401/403/407, OAuth): every retry would fail the same way. */
  auth: 'auth',
  /** Wrong address, host, certificate or endpoint. */
  misconfigured: 'misconfigured',
} as const;
export type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

/** The defaults of batching; one place (STYLE habit 5). */
export const BATCH_DEFAULTS = { initial: 1, max: 20 } as const;

/** Consecutive failures that open the circuit, unless the destination says otherwise. */
export const CIRCUIT_THRESHOLD = 3;

export interface HealthPolicy {
  /** Largest batch: the destination's maxBatch in transaction mode, 1 otherwise. */
  maxBatch: number;
  /** Consecutive failures that open the circuit. */
  circuitThreshold: number;
  /** Spacing of probes while the circuit is open: the retry policy, capped by `retry.probeIntervalMs`. */
  retry: RetryConfig;
}

/** Longest spacing of probes while down, when the configuration does not say (DESIGN §4.5). */
export const PROBE_INTERVAL_MS = 30_000;

export interface LastError extends Texts {
  code: DeliveryCode;
  at: number;
}

export interface HealthState {
  readonly state: DestinationHealth;
  /** Set while `state` is paused. */
  readonly pausedBy?: PauseReason;
  readonly consecutiveFailures: number;
  /** Records per transaction now. */
  readonly batchSize: number;
  /** Circuit open: no probe before this instant. */
  readonly probeAt: number;
  readonly lastError?: LastError;
  /** Ambiguous outcomes (timeout after sending), retried safely, counted apart. */
  readonly ambiguous: number;
}

/** Failures that leave the records queued (a rejection is about one record's content, not the destination). */
export type FailureKind = 'transient' | 'ambiguous' | 'auth' | 'misconfigured';

export type HealthEvent =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'operator_paused' }
  | { type: 'operator_resumed' }
  /** The store accepted these records. */
  | { type: 'delivered'; records: number }
  /** The store refused a batch as a whole: its halves go out on their own. */
  | { type: 'batch_split' }
  /** The store refused one record's content. */
  | { type: 'rejected'; error: Texts & { code: DeliveryCode } }
  /** Circuit open: the store answered a probe (GET /metadata); its waiting records are due at once. */
  | { type: 'probe_answered' }
  /** Circuit open: the probe got no answer (network, 5xx, 429). */
  | { type: 'probe_failed'; error: Texts & { code: DeliveryCode }; retryAfterMs?: number; jitter: number }
  /** Not stored; the records wait for a retry. `jitter` is a sample in [0, 1) for the probe's spacing. */
  | { type: 'failed'; kind: FailureKind; records: number; error: Texts & { code: DeliveryCode }; retryAfterMs?: number; jitter: number };

export function initialHealth(policy: Pick<HealthPolicy, 'maxBatch'>): HealthState {
  return { state: DestinationHealth.ok, consecutiveFailures: 0, batchSize: Math.min(BATCH_DEFAULTS.initial, policy.maxBatch), probeAt: 0, ambiguous: 0 };
}

const halve = (n: number) => Math.max(1, Math.floor(n / 2));

/**
 * When to probe next after `failures` in a row: the retry policy's spacing, but never more than
 * the probe interval, so how long the outage lasted does not decide how soon delivery resumes.
 */
function nextProbeAt(now: number, failures: number, policy: HealthPolicy, retryAfterMs: number | undefined, jitter: number): number {
  const wait = retryDelayMs(failures - 2, policy.retry, retryAfterMs, () => jitter);
  return now + Math.min(wait, policy.retry.probeIntervalMs ?? PROBE_INTERVAL_MS);
}

export function reduceHealth(h: HealthState, event: HealthEvent, now: number, policy: HealthPolicy): HealthState {
  switch (event.type) {
    case 'started':
      return h.state === DestinationHealth.stopped ? { ...h, state: DestinationHealth.ok, pausedBy: undefined } : h;
    case 'stopped':
      return { ...h, state: DestinationHealth.stopped };
    case 'operator_paused':
      return { ...h, state: DestinationHealth.paused, pausedBy: PauseReason.operator };
    case 'operator_resumed':
      // Resuming clears the circuit too: the operator expects sending to start at once.
      return h.state === DestinationHealth.paused ? { ...h, state: DestinationHealth.ok, pausedBy: undefined, consecutiveFailures: 0, probeAt: 0 } : h;
    case 'delivered':
      return {
        ...h,
        // A delivery that was in flight when sending paused does not resume it.
        state: h.state === DestinationHealth.paused ? h.state : DestinationHealth.ok,
        consecutiveFailures: 0,
        batchSize: Math.min(policy.maxBatch, h.batchSize * 2),
      };
    case 'batch_split':
      return { ...h, batchSize: halve(h.batchSize) };
    case 'rejected':
      return { ...h, lastError: { ...event.error, at: now } };
    case 'probe_answered':
      return h.state === DestinationHealth.down ? { ...h, state: DestinationHealth.ok, consecutiveFailures: 0, probeAt: 0 } : h;
    case 'probe_failed': {
      if (h.state !== DestinationHealth.down) return h;
      const failures = h.consecutiveFailures + 1;
      return { ...h, lastError: { ...event.error, at: now }, consecutiveFailures: failures, probeAt: nextProbeAt(now, failures, policy, event.retryAfterMs, event.jitter) };
    }
    case 'failed': {
      const failures = h.consecutiveFailures + 1;
      const next: HealthState = {
        ...h,
        lastError: { ...event.error, at: now },
        consecutiveFailures: failures,
        batchSize: halve(h.batchSize),
        ambiguous: event.kind === 'ambiguous' ? h.ambiguous + event.records : h.ambiguous,
      };
      // Credentials or address are wrong: pause until a configuration change or an operator's resume.
      if (event.kind === 'auth' || event.kind === 'misconfigured') return { ...next, state: DestinationHealth.paused, pausedBy: event.kind };
      // An operator's pause holds whatever a delivery still in flight reports.
      if (h.state === DestinationHealth.paused) return next;
      if (failures >= policy.circuitThreshold) {
        return { ...next, state: DestinationHealth.down, probeAt: nextProbeAt(now, failures, policy, event.retryAfterMs, event.jitter) };
      }
      return h.state === DestinationHealth.ok ? { ...next, state: DestinationHealth.retrying } : next;
    }
  }
}

/** Circuit open, no lane busy and the probe's time has come. */
export function probeDue(h: HealthState, now: number, lanes: number): boolean {
  return h.state === DestinationHealth.down && lanes === 0 && now >= h.probeAt;
}

/**
 * How many records the worker may claim now: a batch per free lane, none while paused. While
 * down, one record is the probe only where the store has no cheap probe (`probes` false: the
 * worker then probes with GET /metadata instead).
 */
export function claimLimit(h: HealthState, now: number, lanes: number, concurrency: number, probes = false): number {
  switch (h.state) {
    case DestinationHealth.paused:
    case DestinationHealth.stopped:
      return 0;
    case DestinationHealth.down:
      return !probes && probeDue(h, now, lanes) ? 1 : 0;
    default:
      return lanes < concurrency ? h.batchSize : 0;
  }
}

/** Longest sleep of an idle worker: it wakes sooner on new work, an operator's action or a finished lane. */
export const IDLE_WAIT_MS = 60_000;
/** Due work held behind another record of the same patient, no lane busy: look again soon. */
const BLOCKED_POLL_MS = 50;

/**
 * How long an idle worker sleeps. `nextDueAt` (the queue's next due delivery, null when none)
 * is asked only while the circuit is closed.
 */
export function idleWaitMs(h: HealthState, now: number, lanes: number, nextDueAt: () => number | null): number {
  let delay: number;
  if (h.state === DestinationHealth.paused) delay = IDLE_WAIT_MS;
  else if (h.state === DestinationHealth.down) delay = Math.max(0, h.probeAt - now);
  else {
    const next = nextDueAt();
    delay = next === null ? IDLE_WAIT_MS : Math.max(0, next - now);
  }
  // Due work exists but every due row waits behind an open one of the same patient, or all
  // lanes are busy: a finishing lane wakes the worker.
  if (delay === 0) delay = lanes > 0 ? IDLE_WAIT_MS : BLOCKED_POLL_MS;
  return Math.min(delay, IDLE_WAIT_MS);
}

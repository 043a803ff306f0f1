// Deliver stage, one worker per destination (DESIGN §4.5–4.7): claims due deliveries (heads
// of line per patient), sends them, and records each outcome by error code. Destinations
// never wait on each other: each has its own worker, lanes, circuit and state. The circuit,
// batch size and pauses are decided by the pure reducer in destinationHealth.ts; this class
// does the I/O around it (queue, sends, alerts, logs).
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Logger } from '../log.js';
import type { DeliveryQueue } from '../store/ports.js';
import type { AttemptRecord, DueDelivery } from '../store/types.js';
import type { DestinationConfig, RetryConfig } from '../config/schema.js';
import { retryDelayMs } from './retryPolicy.js';
import { AlertKind, type Alerts } from './alerts.js';
import { ALERT_TEXTS } from './alertTexts.js';
import {
  BATCH_DEFAULTS,
  CIRCUIT_THRESHOLD,
  claimLimit,
  DestinationHealth,
  idleWaitMs,
  initialHealth,
  reduceHealth,
  type HealthEvent,
  type HealthPolicy,
  type HealthState,
  type LastError,
  type PauseReason,
} from './destinationHealth.js';
import type { Classification } from '../../connectors/destinations/fhir/classify.js';
import { DeliveryCode, describe } from '../../connectors/destinations/fhir/deliveryCodes.js';

export { BATCH_DEFAULTS, DestinationHealth };

/** What the worker needs of a FHIR client: send one Bundle, classify the answer. */
export interface BundleSender {
  send(bundle: Bundle, opts?: { now?: Date }): Promise<{ classification: Classification; durationMs: number; responseSummary: string }>;
}

/** What the status shows of a destination: its health (read-only, from the reducer) and what its store lacks. */
export interface DestinationRuntime {
  readonly id: string;
  readonly state: DestinationHealth;
  readonly pausedBy?: PauseReason;
  readonly lastError?: LastError;
  readonly consecutiveFailures: number;
  /** Records per transaction now (grows while healthy, halves on failure). */
  readonly batchSize: number;
  /** Ambiguous outcomes (timeout after sending), retried safely, counted apart. */
  readonly ambiguous: number;
  /** What the store's CapabilityStatement lacks for this delivery mode, read at start. */
  capabilityWarnings?: { code: string; message: string; messageVi: string }[];
}

export interface DeliveryWorkerOptions {
  store: DeliveryQueue;
  logger: Logger;
  destination: DestinationConfig;
  client: BundleSender;
  retry: RetryConfig;
  alerts?: Alerts;
  now?: () => number;
  random?: () => number;
  /** Consecutive failures that open the circuit (default 3). */
  circuitThreshold?: number;
}

type Outcome = Awaited<ReturnType<BundleSender['send']>>;

/**
 * Several records in one transaction: their entries together, each resource once. Records
 * come in message order, so a later record's version of a shared resource (the patient's
 * Organization, say) wins.
 */
export function mergeTransactions(bundles: readonly Bundle[]): Bundle {
  const byUrl = new Map<string, BundleEntry>();
  for (const b of bundles) for (const e of b.entry ?? []) byUrl.set(e.fullUrl ?? e.request?.url ?? JSON.stringify(e), e);
  return { resourceType: 'Bundle', type: 'transaction', entry: [...byUrl.values()] };
}

export class DeliveryWorker {
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;
  private lanes = 0;
  private readonly policy: HealthPolicy;
  private health: HealthState;
  readonly runtime: DestinationRuntime;
  delivered = 0;

  constructor(private readonly opts: DeliveryWorkerOptions) {
    const d = opts.destination;
    this.policy = { maxBatch: d.mode === 'transaction' ? d.maxBatch : 1, circuitThreshold: opts.circuitThreshold ?? CIRCUIT_THRESHOLD, retry: opts.retry };
    this.health = initialHealth(this.policy);
    const worker = this;
    this.runtime = {
      id: d.id,
      get state() {
        return worker.health.state;
      },
      get pausedBy() {
        return worker.health.pausedBy;
      },
      get lastError() {
        return worker.health.lastError;
      },
      get consecutiveFailures() {
        return worker.health.consecutiveFailures;
      },
      get batchSize() {
        return worker.health.batchSize;
      },
      get ambiguous() {
        return worker.health.ambiguous;
      },
    };
  }

  /** Moves the destination's health on by one event; returns the state before. */
  private apply(event: HealthEvent): HealthState {
    const before = this.health;
    this.health = reduceHealth(before, event, this.now(), this.policy);
    return before;
  }

  get id(): string {
    return this.opts.destination.id;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.apply({ type: 'started' });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.apply({ type: 'stopped' });
  }

  /** Operator pause/resume; survives restarts because the caller persists it. */
  setPaused(paused: boolean): void {
    this.apply({ type: paused ? 'operator_paused' : 'operator_resumed' });
    this.wake();
  }

  /** New work was queued, or an operator asked to retry now. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    w?.();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async run(): Promise<void> {
    const { store, destination } = this.opts;
    const active = new Set<Promise<void>>();
    while (this.running) {
      // Open circuit: a single probe, and only once its wait is over; paused: nothing.
      const limit = claimLimit(this.health, this.now(), this.lanes, destination.concurrency);
      if (limit > 0) {
        const claimed = store.claimDue(destination.id, this.now(), limit);
        if (claimed.length > 0) {
          this.lanes++;
          const lane: Promise<void> = this.deliverBatch(claimed)
            .catch((err: Error) => {
              this.opts.logger.error('delivery lane failed', { destination: destination.id, error: err.message });
            })
            .finally(() => {
              this.lanes--;
              active.delete(lane);
              this.wake();
            });
          active.add(lane);
          continue;
        }
      }
      const delay = idleWaitMs(this.health, this.now(), this.lanes, () => store.nextDueAt(destination.id));
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, delay);
      });
    }
    await Promise.all(active);
  }

  /** Sends claimed records in one request; on a rejection, halves until the bad one is alone. */
  private async deliverBatch(items: DueDelivery[]): Promise<void> {
    const bundles = items.map((d) => JSON.parse(d.bundle) as Bundle);
    const bundle = items.length === 1 ? bundles[0]! : mergeTransactions(bundles);
    const startedAt = this.now();
    let result: Outcome;
    try {
      result = await this.opts.client.send(bundle, { now: new Date(startedAt) });
    } catch (err) {
      // The client classifies every failure; an exception here is a bug: retry, never lose.
      result = {
        classification: { kind: 'transient', code: DeliveryCode.CLIENT_FAILED, ...describe(DeliveryCode.CLIENT_FAILED, { detail: (err as Error).message }) },
        durationMs: this.now() - startedAt,
        responseSummary: '',
      };
    }
    const c = result.classification;
    if (c.kind === 'rejected' && items.length > 1) {
      // One bad record must not hold back the others: try each half on its own, now.
      this.apply({ type: 'batch_split' });
      const half = Math.ceil(items.length / 2);
      this.recordAttempts(items, startedAt, result, 'split');
      await this.deliverBatch(items.slice(0, half));
      await this.deliverBatch(items.slice(half));
      return;
    }
    this.settle(items, startedAt, result);
  }

  private attemptOf(d: DueDelivery, startedAt: number, result: Outcome, outcome?: string): AttemptRecord {
    const c = result.classification;
    return {
      messageId: d.messageId,
      destinationId: this.id,
      startedAt,
      durationMs: Math.round(result.durationMs),
      outcome: outcome ?? c.kind,
      errorCode: c.kind === 'delivered' ? undefined : c.code,
      httpStatus: c.httpStatus,
      response: (c.operationOutcomeText ?? result.responseSummary)?.slice(0, 2000),
    };
  }

  /** A batch answered "rejected" as a whole: noted on each record before the halves go out. */
  private recordAttempts(items: DueDelivery[], startedAt: number, result: Outcome, outcome: string): void {
    this.opts.store.transaction(() => {
      for (const d of items) this.opts.store.recordAttempt(this.attemptOf(d, startedAt, result, outcome));
    });
  }

  private settle(items: DueDelivery[], startedAt: number, result: Outcome): void {
    const { store, logger, destination, retry, alerts } = this.opts;
    const c = result.classification;
    const now = this.now();
    if (c.kind === 'delivered') {
      store.transaction(() => {
        for (const d of items) store.markDelivered(d.messageId, destination.id, result.responseSummary, this.attemptOf(d, startedAt, result), now);
      });
      this.delivered += items.length;
      const before = this.apply({ type: 'delivered', records: items.length });
      if (before.state === DestinationHealth.down || before.consecutiveFailures > 0) logger.info('destination recovered', { destination: destination.id });
      // A success ends every incident of this destination (cheap when none is open).
      const recovered = ALERT_TEXTS.destinationRecovered(destination.id);
      for (const kind of [AlertKind.destinationDown, AlertKind.destinationAuth, AlertKind.endpointMisconfigured]) {
        alerts?.resolve(kind, destination.id, recovered.message, recovered.messageVi);
      }
      return;
    }
    const error = { code: c.code, message: c.message, messageVi: c.messageVi };
    if (c.kind === 'rejected') {
      this.apply({ type: 'rejected', error });
      store.transaction(() => {
        for (const d of items) store.markRejected(d.messageId, destination.id, c.code, c.operationOutcomeText ?? c.message, result.responseSummary || null, this.attemptOf(d, startedAt, result), now);
      });
      logger.warn('record rejected by destination', { destination: destination.id, message: items[0]!.messageId, code: c.code, status: c.httpStatus });
      return;
    }
    const needsOperator = c.kind === 'auth' || c.kind === 'misconfigured';
    const attempts = Math.max(...items.map((d) => d.attempts));
    const delay = needsOperator ? retry.maxDelayMs : retryDelayMs(attempts, retry, c.retryAfterMs, this.opts.random);
    store.transaction(() => {
      for (const d of items) store.markRetry(d.messageId, destination.id, now + delay, c.code, c.message, result.responseSummary || null, this.attemptOf(d, startedAt, result), now);
    });
    const before = this.apply({ type: 'failed', kind: c.kind, records: items.length, error, retryAfterMs: c.retryAfterMs, jitter: (this.opts.random ?? Math.random)() });
    const after = this.health;
    if (needsOperator) {
      // Credentials or URL are wrong: every retry would fail the same way. Paused with one
      // alert; a configuration change (or an operator's resume) starts it again.
      const kind = c.kind === 'auth' ? AlertKind.destinationAuth : AlertKind.endpointMisconfigured;
      const t = ALERT_TEXTS.destinationNeedsOperator(destination.id, c);
      alerts?.raise(kind, destination.id, t.message, t.messageVi);
    } else if (after.state === DestinationHealth.down) {
      const t = ALERT_TEXTS.destinationDown(destination.id, c);
      alerts?.raise(AlertKind.destinationDown, destination.id, t.message, t.messageVi);
    }
    if (before.state !== after.state) {
      logger.warn('destination state changed', { destination: destination.id, state: after.state, code: c.code, status: c.httpStatus });
    }
  }
}

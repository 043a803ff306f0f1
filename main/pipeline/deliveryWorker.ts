// Deliver stage, one worker per destination (DESIGN §4.5–4.7): claims due deliveries (heads
// of line per patient), sends them, and records each outcome by error code. Destinations
// never wait on each other: each has its own worker, lanes, circuit and state.
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Logger } from '../log.js';
import type { DeliveryQueue } from '../store/ports.js';
import type { AttemptRecord, DueDelivery } from '../store/types.js';
import type { DestinationConfig, RetryConfig } from '../config/schema.js';
import { retryDelayMs } from './retryPolicy.js';
import { AlertKind, type Alerts } from './alerts.js';
import type { Classification } from '../../connectors/destinations/fhir/classify.js';

/** What the worker needs of a FHIR client: send one Bundle, classify the answer. */
export interface BundleSender {
  send(bundle: Bundle, opts?: { now?: Date }): Promise<{ classification: Classification; durationMs: number; responseSummary: string }>;
}

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

export interface DestinationRuntime {
  id: string;
  state: DestinationHealth;
  pausedBy?: 'operator' | 'auth' | 'misconfigured';
  lastError?: { code: string; message: string; messageVi: string; at: number };
  consecutiveFailures: number;
  /** Records per transaction now (grows while healthy, halves on failure). */
  batchSize: number;
  /** Ambiguous outcomes (timeout after sending), retried safely, counted apart. */
  ambiguous: number;
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

/** The defaults of batching; one place (STYLE habit 5). */
export const BATCH_DEFAULTS = { initial: 1, max: 20 } as const;

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
  /** When the circuit is open: no probe before this instant. */
  private probeAt = 0;
  readonly runtime: DestinationRuntime;
  delivered = 0;

  constructor(private readonly opts: DeliveryWorkerOptions) {
    this.runtime = {
      id: opts.destination.id,
      state: DestinationHealth.ok,
      consecutiveFailures: 0,
      batchSize: opts.destination.mode === 'transaction' ? BATCH_DEFAULTS.initial : 1,
      ambiguous: 0,
    };
  }

  get id(): string {
    return this.opts.destination.id;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.runtime.state === DestinationHealth.stopped) this.runtime.state = DestinationHealth.ok;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.runtime.state = DestinationHealth.stopped;
  }

  /** Operator pause/resume; survives restarts because the caller persists it. */
  setPaused(paused: boolean): void {
    if (paused) {
      this.runtime.state = DestinationHealth.paused;
      this.runtime.pausedBy = 'operator';
    } else if (this.runtime.state === DestinationHealth.paused) {
      this.runtime.state = DestinationHealth.ok;
      this.runtime.pausedBy = undefined;
      this.runtime.consecutiveFailures = 0;
      this.probeAt = 0;
    }
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

  private get maxBatch(): number {
    return this.opts.destination.mode === 'transaction' ? this.opts.destination.maxBatch : 1;
  }

  private async run(): Promise<void> {
    const { store, destination } = this.opts;
    const active = new Set<Promise<void>>();
    while (this.running) {
      const circuitOpen = this.runtime.state === DestinationHealth.down || this.runtime.state === DestinationHealth.paused;
      const paused = this.runtime.state === DestinationHealth.paused;
      // Open circuit: a single probe, and only once its wait is over.
      const mayClaim = !paused && (circuitOpen ? this.lanes === 0 && this.now() >= this.probeAt : this.lanes < destination.concurrency);
      if (mayClaim) {
        const claimed = store.claimDue(destination.id, this.now(), circuitOpen ? 1 : this.runtime.batchSize);
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
      let delay: number;
      if (paused) delay = 60_000;
      else if (this.runtime.state === DestinationHealth.down) delay = Math.max(0, this.probeAt - this.now());
      else {
        const next = store.nextDueAt(destination.id);
        delay = next === null ? 60_000 : Math.max(0, next - this.now());
      }
      // Due work exists but every due row waits behind an open one of the same patient, or
      // all lanes are busy: a finishing lane wakes us.
      if (delay === 0) delay = this.lanes > 0 ? 60_000 : 50;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, Math.min(delay, 60_000));
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
        classification: {
          kind: 'transient',
          code: 'CLIENT_FAILED',
          message: `delivery failed unexpectedly: ${(err as Error).message}`,
          messageVi: `Gửi thất bại do lỗi không mong đợi: ${(err as Error).message}`,
        } as Classification,
        durationMs: this.now() - startedAt,
        responseSummary: '',
      };
    }
    const c = result.classification;
    if (c.kind === 'rejected' && items.length > 1) {
      // One bad record must not hold back the others: try each half on its own, now.
      this.runtime.batchSize = Math.max(1, Math.floor(this.runtime.batchSize / 2));
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
      if (this.runtime.state === DestinationHealth.down || this.runtime.consecutiveFailures > 0) logger.info('destination recovered', { destination: destination.id });
      // A success ends every incident of this destination (cheap when none is open).
      for (const kind of [AlertKind.destinationDown, AlertKind.destinationAuth, AlertKind.endpointMisconfigured]) {
        alerts?.resolve(kind, destination.id, `${destination.id} accepts records again`, `${destination.id} đã nhận hồ sơ trở lại`);
      }
      if (this.runtime.state !== DestinationHealth.paused) this.runtime.state = DestinationHealth.ok;
      this.runtime.consecutiveFailures = 0;
      this.runtime.batchSize = Math.min(this.maxBatch, this.runtime.batchSize * 2);
      return;
    }
    this.runtime.lastError = { code: c.code, message: c.message, messageVi: c.messageVi, at: now };
    if (c.kind === 'rejected') {
      store.transaction(() => {
        for (const d of items) store.markRejected(d.messageId, destination.id, c.code, c.operationOutcomeText ?? c.message, result.responseSummary || null, this.attemptOf(d, startedAt, result), now);
      });
      logger.warn('record rejected by destination', { destination: destination.id, message: items[0]!.messageId, code: c.code, status: c.httpStatus });
      return;
    }
    this.runtime.consecutiveFailures++;
    this.runtime.batchSize = Math.max(1, Math.floor(this.runtime.batchSize / 2));
    if (c.kind === 'ambiguous') this.runtime.ambiguous += items.length;
    const needsOperator = c.kind === 'auth' || c.kind === 'misconfigured';
    const attempts = Math.max(...items.map((d) => d.attempts));
    const delay = needsOperator ? retry.maxDelayMs : retryDelayMs(attempts, retry, c.retryAfterMs, this.opts.random);
    store.transaction(() => {
      for (const d of items) store.markRetry(d.messageId, destination.id, now + delay, c.code, c.message, result.responseSummary || null, this.attemptOf(d, startedAt, result), now);
    });
    const before = this.runtime.state;
    if (needsOperator) {
      // Credentials or URL are wrong: every retry would fail the same way. Pause with one
      // alert; a configuration change (or an operator's resume) starts it again.
      this.runtime.state = DestinationHealth.paused;
      this.runtime.pausedBy = c.kind === 'auth' ? 'auth' : 'misconfigured';
      const kind = c.kind === 'auth' ? AlertKind.destinationAuth : AlertKind.endpointMisconfigured;
      alerts?.raise(kind, destination.id, `${destination.id}: ${c.message}`, `${destination.id}: ${c.messageVi}`);
    } else if (this.runtime.consecutiveFailures >= (this.opts.circuitThreshold ?? 3)) {
      this.runtime.state = DestinationHealth.down;
      this.probeAt = now + retryDelayMs(this.runtime.consecutiveFailures - 2, retry, c.retryAfterMs, this.opts.random);
      alerts?.raise(AlertKind.destinationDown, destination.id, `${destination.id} is not answering: ${c.message}`, `${destination.id} không phản hồi: ${c.messageVi}`);
    } else if (this.runtime.state === DestinationHealth.ok) {
      this.runtime.state = DestinationHealth.retrying;
    }
    if (before !== this.runtime.state) {
      logger.warn('destination state changed', { destination: destination.id, state: this.runtime.state, code: c.code, status: c.httpStatus });
    }
  }
}

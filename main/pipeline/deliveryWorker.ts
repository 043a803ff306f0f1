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
  probeDue,
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
import { planRequests, type RequestPart } from '../../connectors/destinations/fhir/requestPlan.js';
import { learnedEntryLimit } from '../../connectors/destinations/fhir/sizeLimit.js';
import { DeliveryCode, describe } from '../../connectors/destinations/fhir/deliveryCodes.js';

export { BATCH_DEFAULTS, DestinationHealth };

/** What the worker needs of a FHIR client: send one Bundle, classify the answer. */
export interface BundleSender {
  /** `bundleType`: a part of a record says itself whether it goes as a transaction or a batch. */
  send(bundle: Bundle, opts?: { now?: Date; bundleType?: 'transaction' | 'batch' }): Promise<{ classification: Classification; durationMs: number; responseSummary: string }>;
  /** A cheap "do you answer?" (GET /metadata), the probe while the store is down; absent: a record is the probe. */
  metadata?(): Promise<{ ok: boolean; classification?: Classification }>;
}

/** A record in flight in several requests: the part being sent now (1-based) and how many. */
export interface PartInFlight {
  part: number;
  of: number;
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
  /** Most entries per request now: the configured limit, or a smaller one the store taught. */
  readonly entryLimit?: number;
  /** Records being sent in parts now, by message id. */
  readonly partsInFlight: ReadonlyMap<number, PartInFlight>;
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

/** A part's own kind: a batch, or a transaction (a whole record, or entries that must go together). */
function partType(part: RequestPart): 'transaction' | 'batch' {
  return part.bundle.type === 'batch' ? 'batch' : 'transaction';
}

/**
 * Claimed records in groups whose entries together fit the limit, in message order; a record
 * over the limit on its own forms a group of one (it goes in parts).
 */
export function packWithinLimit<T>(items: readonly T[], bundles: readonly Bundle[], limit: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  items.forEach((item, i) => {
    const n = bundles[i]!.entry?.length ?? 0;
    if (current.length > 0 && size + n > limit) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += n;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

export class DeliveryWorker {
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;
  private lanes = 0;
  private readonly policy: HealthPolicy;
  private health: HealthState;
  /** The limit the store taught by a refusal (persisted; read once at start). */
  private learnedLimit: number | undefined;
  private readonly parts = new Map<number, PartInFlight>();
  readonly runtime: DestinationRuntime;
  delivered = 0;

  constructor(private readonly opts: DeliveryWorkerOptions) {
    const d = opts.destination;
    this.policy = { maxBatch: d.mode === 'transaction' ? d.maxBatch : 1, circuitThreshold: opts.circuitThreshold ?? CIRCUIT_THRESHOLD, retry: opts.retry };
    this.health = initialHealth(this.policy);
    this.learnedLimit = opts.store.learnedLimit(d.id);
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
      get entryLimit() {
        return worker.entryLimit();
      },
      partsInFlight: this.parts,
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
      // Open circuit: a cheap probe once its wait is over (GET /metadata, or one record where
      // the store has no such probe); paused: nothing.
      if (this.probesWithMetadata && probeDue(this.health, this.now(), this.lanes)) {
        this.lanes++;
        const probe: Promise<void> = this.probe()
          .catch((err: Error) => {
            this.opts.logger.error('destination probe failed', { destination: destination.id, error: err.message });
          })
          .finally(() => {
            this.lanes--;
            active.delete(probe);
            this.wake();
          });
        active.add(probe);
        continue;
      }
      const limit = claimLimit(this.health, this.now(), this.lanes, destination.concurrency, this.probesWithMetadata);
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

  /** GET /metadata answers for stores in transaction or batch mode; a claim gateway is probed with a record. */
  private get probesWithMetadata(): boolean {
    return this.opts.destination.mode !== 'operation' && typeof this.opts.client.metadata === 'function';
  }

  /** Most entries one request may carry now: the configured limit or the learned one, whichever is smaller. */
  private entryLimit(): number | undefined {
    const configured = this.opts.destination.maxEntriesPerRequest;
    if (configured === undefined) return this.learnedLimit;
    return this.learnedLimit === undefined ? configured : Math.min(configured, this.learnedLimit);
  }

  /**
   * Circuit open: asks the store whether it answers (DESIGN §4.5). Any answer that is not
   * "not now" (network, 5xx, 408, 429) closes the circuit and makes every waiting record of
   * this destination due at once, however far its own backoff had grown.
   */
  private async probe(): Promise<void> {
    const { store, destination, logger } = this.opts;
    let c: Classification | undefined;
    try {
      const r = await this.opts.client.metadata!();
      c = r.ok ? undefined : r.classification;
    } catch (err) {
      c = { kind: 'transient', code: DeliveryCode.CLIENT_FAILED, ...describe(DeliveryCode.CLIENT_FAILED, { detail: (err as Error).message }) };
    }
    if (c && (c.kind === 'transient' || c.kind === 'ambiguous')) {
      this.apply({ type: 'probe_failed', error: { code: c.code, message: c.message, messageVi: c.messageVi }, retryAfterMs: c.retryAfterMs, jitter: (this.opts.random ?? Math.random)() });
      return;
    }
    const now = this.now();
    this.apply({ type: 'probe_answered' });
    const due = store.resumeDestination(destination.id, now);
    logger.info('destination answers again', { destination: destination.id, resumed: due });
  }

  private async sendOnce(bundle: Bundle, bundleType?: 'transaction' | 'batch'): Promise<{ startedAt: number; result: Outcome }> {
    const startedAt = this.now();
    try {
      return { startedAt, result: await this.opts.client.send(bundle, { now: new Date(startedAt), ...(bundleType ? { bundleType } : {}) }) };
    } catch (err) {
      // The client classifies every failure; an exception here is a bug: retry, never lose.
      return {
        startedAt,
        result: {
          classification: { kind: 'transient', code: DeliveryCode.CLIENT_FAILED, ...describe(DeliveryCode.CLIENT_FAILED, { detail: (err as Error).message }) },
          durationMs: this.now() - startedAt,
          responseSummary: '',
        },
      };
    }
  }

  /**
   * The limit a refusal teaches (413, or a 400 that says the request is too large), if it is
   * smaller than what we sent under; remembered for this destination, here and on disk.
   */
  private learnFrom(result: Outcome, entriesSent: number): boolean {
    const c = result.classification;
    if (c.httpStatus === undefined) return false;
    const learned = learnedEntryLimit({ status: c.httpStatus, bodyText: c.operationOutcomeText ?? c.message, entriesSent });
    if (learned === undefined) return false;
    const current = this.entryLimit();
    // Another lane may have learned a smaller limit while this request was in flight: the
    // refusal is still "too large", so cut again under the limit already known.
    if (current !== undefined && learned >= current) return current < entriesSent;
    this.learnedLimit = learned;
    this.opts.store.learnLimit(this.id, { maxEntries: learned, httpStatus: c.httpStatus, reason: c.operationOutcomeText ?? c.message }, this.now());
    this.opts.logger.warn('destination entry limit learned', { destination: this.id, maxEntries: learned, status: c.httpStatus, entriesSent });
    return true;
  }

  /**
   * Sends claimed records. Several small ones go together in one transaction while their
   * entries fit the store's limit; one over the limit goes alone, in parts.
   */
  private async deliverBatch(items: DueDelivery[]): Promise<void> {
    if (items.length === 1 || this.opts.destination.mode !== 'transaction') {
      for (const d of items) await this.deliverRecord(d);
      return;
    }
    const limit = this.entryLimit();
    const bundles = items.map((d) => JSON.parse(d.bundle) as Bundle);
    if (limit !== undefined) {
      const groups = packWithinLimit(items, bundles, limit);
      if (groups.length > 1) {
        for (const g of groups) await this.deliverBatch(g);
        return;
      }
    }
    if (items.some((d) => d.partsDone > 0)) {
      for (const d of items) await this.deliverRecord(d);
      return;
    }
    const bundle = mergeTransactions(bundles);
    const { startedAt, result } = await this.sendOnce(bundle);
    const c = result.classification;
    if (c.kind === 'rejected' && this.learnFrom(result, bundle.entry?.length ?? 0)) {
      // Too many entries at once, not bad content: cut again under the limit just learned.
      this.recordAttempts(items, startedAt, result, 'too_large');
      await this.deliverBatch(items);
      return;
    }
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

  /**
   * One record, whole or in parts (DESIGN §10 maxEntriesPerRequest): parts go in dependency
   * order, each confirmed part is written down before the next is sent, and the record is
   * delivered only when the last part is in. After a crash it resumes at the first part not
   * confirmed, cut for the same limit as before; a repeat is harmless (PUT, deterministic ids).
   */
  private async deliverRecord(d: DueDelivery): Promise<void> {
    const { store, destination } = this.opts;
    const record = JSON.parse(d.bundle) as Bundle;
    if (destination.mode === 'operation') {
      const { startedAt, result } = await this.sendOnce(record);
      this.settle([d], startedAt, result);
      return;
    }
    let from = d.partsDone;
    // Resuming: the parts are cut for the limit they were first cut for (0: none, batch mode).
    let cutFor = from > 0 && d.partsLimit !== null ? d.partsLimit || undefined : this.entryLimit();
    for (;;) {
      const plan = planRequests(record, { mode: destination.mode, ...(cutFor !== undefined ? { maxEntriesPerRequest: cutFor } : {}) });
      if (!plan.ok) {
        const startedAt = this.now();
        const c: Classification = { kind: 'rejected', code: DeliveryCode.RECORD_NOT_SPLITTABLE, ...describe(DeliveryCode.RECORD_NOT_SPLITTABLE, { detail: plan.message }) };
        this.settle([d], startedAt, { classification: c, durationMs: 0, responseSummary: plan.code });
        return;
      }
      const parts = plan.parts;
      if (from >= parts.length) from = 0;
      if (parts.length > 1 && from === 0) {
        store.markPartDone(d.messageId, destination.id, { partsDone: 0, partsTotal: parts.length, partsLimit: cutFor ?? 0 }, null, null, this.now());
      }
      let relearned = false;
      for (let p = from; p < parts.length; p++) {
        const part = parts[p]!;
        if (parts.length > 1) this.parts.set(d.messageId, { part: p + 1, of: parts.length });
        const { startedAt, result } = await this.sendOnce(part.bundle, partType(part));
        const c = result.classification;
        if (c.kind === 'delivered' && p < parts.length - 1) {
          const attempt = this.attemptOf(d, startedAt, result, 'part_delivered');
          attempt.response = `part ${p + 1} of ${parts.length}: ${result.responseSummary}`.slice(0, 2000);
          store.markPartDone(d.messageId, destination.id, { partsDone: p + 1, partsTotal: parts.length, partsLimit: cutFor ?? 0 }, result.responseSummary, attempt, this.now());
          // A confirmed part says the store is healthy, though no record is settled yet.
          this.apply({ type: 'delivered', records: 0 });
          continue;
        }
        this.parts.delete(d.messageId);
        if (c.kind === 'rejected' && this.learnFrom(result, part.bundle.entry?.length ?? 0)) {
          // The store takes fewer entries than this part had: cut the record again, from the start.
          store.transaction(() => {
            store.recordAttempt(this.attemptOf(d, startedAt, result, 'too_large'));
            store.restartParts(d.messageId, destination.id, this.now());
          });
          cutFor = this.entryLimit();
          from = 0;
          relearned = true;
          break;
        }
        if (parts.length > 1 && c.entryIndex !== undefined) {
          // The store names an entry of this part; the record's page speaks of the record's entries.
          result.classification = { ...c, entryIndex: part.entryIndexes[c.entryIndex] ?? c.entryIndex };
        }
        this.settle([d], startedAt, result);
        return;
      }
      if (!relearned) return;
    }
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

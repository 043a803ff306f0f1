// Deliver stage, one worker per destination (DESIGN §4.5–4.7): claims due deliveries,
// sends each Bundle, and records the outcome by error code. Destinations never wait on
// each other: each has its own worker, timers and state.
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { DestinationConfig, RetryConfig } from '../config/schema.js';
import { retryDelayMs } from './retryPolicy.js';
import type { Classification } from '../../connectors/destinations/fhir/classify.js';

/** What the worker needs of a FHIR client: send one Bundle, classify the answer. */
export interface BundleSender {
  send(bundle: unknown, opts?: { now?: Date }): Promise<{ classification: Classification; durationMs: number; responseSummary: string }>;
}

export const DestinationHealth = {
  ok: 'ok',
  retrying: 'retrying',
  down: 'down',
  paused: 'paused',
  stopped: 'stopped',
} as const;
export type DestinationHealth = (typeof DestinationHealth)[keyof typeof DestinationHealth];

export interface DestinationRuntime {
  id: string;
  state: DestinationHealth;
  lastError?: { code: string; message: string; messageVi: string; at: number };
  consecutiveFailures: number;
}

export interface DeliveryWorkerOptions {
  store: Store;
  logger: Logger;
  destination: DestinationConfig;
  client: BundleSender;
  retry: RetryConfig;
  now?: () => number;
  random?: () => number;
  /** Delay before retrying after auth or endpoint errors, which need a person (default: retry max). */
  operatorWaitMs?: number;
}

/** Failures that burn no more attempts until someone fixes credentials or the URL. */
const NEEDS_OPERATOR = new Set(['auth', 'misconfigured']);

export class DeliveryWorker {
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;
  private inFlight = 0;
  readonly runtime: DestinationRuntime;
  delivered = 0;

  constructor(private readonly opts: DeliveryWorkerOptions) {
    this.runtime = { id: opts.destination.id, state: DestinationHealth.ok, consecutiveFailures: 0 };
  }

  get id(): string {
    return this.opts.destination.id;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.runtime.state = this.runtime.consecutiveFailures ? DestinationHealth.retrying : DestinationHealth.ok;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.runtime.state = DestinationHealth.stopped;
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
    const lanes = new Set<Promise<void>>();
    while (this.running) {
      const free = destination.concurrency - this.inFlight;
      const claimed = free > 0 ? store.claimDue(destination.id, this.now(), free) : [];
      for (const d of claimed) {
        this.inFlight++;
        const lane = this.deliver(d.messageId, d.attempts, d.bundle).finally(() => {
          this.inFlight--;
          lanes.delete(lane);
          this.wake();
        });
        lanes.add(lane);
      }
      if (claimed.length > 0 && this.inFlight < destination.concurrency) continue;
      // Sleep until a lane frees, new work arrives, or the next retry falls due.
      const next = store.nextDueAt(destination.id);
      const delay = next === null ? 60_000 : Math.max(0, next - this.now());
      if (delay === 0 && this.inFlight < destination.concurrency) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, Math.min(delay, 60_000));
      });
    }
    await Promise.all(lanes);
  }

  private async deliver(messageId: number, attempts: number, bundleJson: string): Promise<void> {
    const { store, logger, destination, retry } = this.opts;
    const startedAt = this.now();
    let result;
    try {
      result = await this.opts.client.send(JSON.parse(bundleJson), { now: new Date(startedAt) });
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
    const now = this.now();
    const attempt = {
      messageId,
      destinationId: destination.id,
      startedAt,
      durationMs: Math.round(result.durationMs),
      outcome: c.kind,
      errorCode: c.kind === 'delivered' ? undefined : c.code,
      httpStatus: c.httpStatus,
      response: (c.operationOutcomeText ?? result.responseSummary)?.slice(0, 2000),
    };
    if (c.kind === 'delivered') {
      store.markDelivered(messageId, destination.id, result.responseSummary, attempt, now);
      this.delivered++;
      if (this.runtime.state !== DestinationHealth.ok) logger.info('destination recovered', { destination: destination.id });
      this.runtime.state = DestinationHealth.ok;
      this.runtime.consecutiveFailures = 0;
      return;
    }
    this.runtime.lastError = { code: c.code, message: c.message, messageVi: c.messageVi, at: now };
    if (c.kind === 'rejected') {
      store.markRejected(messageId, destination.id, c.code, c.operationOutcomeText ?? c.message, result.responseSummary || null, attempt, now);
      logger.warn('record rejected by destination', { destination: destination.id, message: messageId, code: c.code, status: c.httpStatus });
      return;
    }
    this.runtime.consecutiveFailures++;
    const needsOperator = NEEDS_OPERATOR.has(c.kind);
    const delay = needsOperator
      ? (this.opts.operatorWaitMs ?? retry.maxDelayMs)
      : retryDelayMs(attempts, retry, c.retryAfterMs, this.opts.random);
    store.markRetry(messageId, destination.id, now + delay, c.code, c.message, result.responseSummary || null, attempt, now);
    const newState = needsOperator ? DestinationHealth.paused : this.runtime.consecutiveFailures >= 3 ? DestinationHealth.down : DestinationHealth.retrying;
    if (newState !== this.runtime.state) {
      logger.warn('destination state changed', { destination: destination.id, state: newState, code: c.code, status: c.httpStatus });
    }
    this.runtime.state = newState;
  }
}

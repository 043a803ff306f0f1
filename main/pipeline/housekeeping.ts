// Periodic checks that are nobody's event: backlog and silence alerts (raised on a change
// of state only), and retention of delivered payloads with the disk space given back.
import type { Logger } from '../log.js';
import type { ReadModels, Retention } from '../store/ports.js';
import type { AgentConfig } from '../config/schema.js';
import { AlertKind, workingHoursBetween, type Alerts } from './alerts.js';
import { ALERT_TEXTS } from './alertTexts.js';

export interface HousekeepingOptions {
  store: Retention & Pick<ReadModels, 'destinationCounts' | 'lastReceivedAt'>;
  logger: Logger;
  alerts: Alerts;
  config: AgentConfig;
  now?: () => number;
  /** How often the checks run (default one minute). */
  intervalMs?: number;
}

const DAY_MS = 86_400_000;
/** Payloads pruned per statement: short transactions keep intake and delivery flowing. */
const PRUNE_CHUNK = 2000;

export class Housekeeping {
  private timer?: NodeJS.Timeout;
  private readonly startedAt: number;

  constructor(private readonly opts: HousekeepingOptions) {
    this.startedAt = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  start(): void {
    this.runOnce();
    this.timer = setInterval(() => this.runOnce(), this.opts.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  runOnce(): { pruned: number } {
    try {
      this.checkBacklog();
      this.checkSilence();
      return { pruned: this.applyRetention() };
    } catch (err) {
      this.opts.logger.error('housekeeping failed', { error: (err as Error).message });
      return { pruned: 0 };
    }
  }

  checkBacklog(): void {
    const { store, alerts, config } = this.opts;
    const threshold = config.alerts.backlogThreshold;
    for (const d of store.destinationCounts()) {
      if (d.pending > threshold) {
        const t = ALERT_TEXTS.backlogOpened(d.destinationId, d.pending, threshold);
        alerts.raise(AlertKind.backlog, d.destinationId, t.message, t.messageVi);
      } else if (d.pending <= threshold / 2) {
        // Hysteresis: close only well below the threshold, so a queue hovering near it does not flap.
        const t = ALERT_TEXTS.backlogClosed(d.destinationId, d.pending);
        alerts.resolve(AlertKind.backlog, d.destinationId, t.message, t.messageVi);
      }
    }
  }

  checkSilence(): void {
    const { store, alerts, config } = this.opts;
    const hours = config.alerts.noInputWorkingHours;
    if (hours <= 0 || config.sources.length === 0) return;
    const now = this.now();
    const last = store.lastReceivedAt() ?? this.startedAt;
    if (workingHoursBetween(last, now) >= hours) {
      const t = ALERT_TEXTS.noInputOpened(hours);
      alerts.raise(AlertKind.noInput, '', t.message, t.messageVi);
    } else {
      const t = ALERT_TEXTS.noInputClosed();
      alerts.resolve(AlertKind.noInput, '', t.message, t.messageVi);
    }
  }

  /** Returns how many records had their payloads dropped. */
  applyRetention(): number {
    const { store, logger, config } = this.opts;
    const now = this.now();
    let pruned = 0;
    const cutoff = now - config.retention.deliveredPayloadDays * DAY_MS;
    for (let n = store.pruneDeliveredPayloads(cutoff, PRUNE_CHUNK); n > 0; n = store.pruneDeliveredPayloads(cutoff, PRUNE_CHUNK)) pruned += n;
    const cap = config.retention.maxPayloadMiB * 1024 * 1024;
    // Over the size cap: drop delivered payloads newer than the age limit too, oldest first.
    while (store.payloadBytes() > cap) {
      const n = store.pruneDeliveredPayloads(now + 1, 200);
      if (n === 0) break;
      pruned += n;
    }
    if (pruned > 0) {
      store.reclaimSpace();
      logger.info('retention: payloads of delivered records dropped', { records: pruned });
    }
    return pruned;
  }
}

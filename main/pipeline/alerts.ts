// Alerts on a change of state only (one per incident): raised when a condition starts,
// closed when it ends; shown in the UI, written to the log, optionally POSTed to a webhook.
import type { Logger } from '../log.js';
import type { AlertLog } from '../store/ports.js';

export const AlertKind = {
  destinationDown: 'destination_down',
  destinationAuth: 'destination_auth',
  endpointMisconfigured: 'endpoint_misconfigured',
  backlog: 'backlog',
  noInput: 'no_input',
} as const;
export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];

export interface AlertEvent {
  event: 'opened' | 'closed';
  kind: AlertKind;
  target: string;
  message: string;
  messageVi: string;
  at: string;
}

export interface AlertsOptions {
  store: AlertLog;
  logger: Logger;
  /** Receives every opened/closed alert as JSON (e.g. a chat or monitoring hook). */
  webhookUrl?: string;
  now?: () => number;
}

export class Alerts {
  constructor(private readonly opts: AlertsOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Opens the incident if it is not open yet; a repeat of an open incident does nothing. */
  raise(kind: AlertKind, target: string, message: string, messageVi: string): boolean {
    const at = this.now();
    if (!this.opts.store.openAlert(kind, target, message, messageVi, at)) return false;
    this.opts.logger.warn('alert raised', { kind, target, message });
    this.notify({ event: 'opened', kind, target, message, messageVi, at: new Date(at).toISOString() });
    return true;
  }

  /** Closes the incident if one is open. */
  resolve(kind: AlertKind, target: string, message: string, messageVi: string): boolean {
    const at = this.now();
    if (!this.opts.store.closeAlert(kind, target, at)) return false;
    this.opts.logger.info('alert closed', { kind, target, message });
    this.notify({ event: 'closed', kind, target, message, messageVi, at: new Date(at).toISOString() });
    return true;
  }

  private notify(event: AlertEvent): void {
    const url = this.opts.webhookUrl;
    if (!url) return;
    // Fire and forget: a webhook that is down must never hold up delivery.
    fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(10_000) }).catch((err: Error) =>
      this.opts.logger.warn('alert webhook failed', { kind: event.kind, error: err.message }),
    );
  }
}

/** Working hours in Vietnam (UTC+7): Monday–Saturday, 07:00–17:00, when a HIS exports. */
export function isWorkingTime(t: number): boolean {
  const local = new Date(t + 7 * 3_600_000);
  const day = local.getUTCDay();
  const hour = local.getUTCHours();
  return day !== 0 && hour >= 7 && hour < 17;
}

/** Working hours elapsed between two instants, counted hour by hour (enough for an alert). */
export function workingHoursBetween(from: number, to: number): number {
  let hours = 0;
  for (let t = from; t + 3_600_000 <= to; t += 3_600_000) if (isWorkingTime(t)) hours++;
  return hours;
}

// A destination paused because its store refused the credentials (or the address was wrong)
// needs a person, but not for ever: once IT has fixed the token on the store's side, nothing on
// ours changes. Every so often this runs the same connection check as "Kiểm tra kết nối"
// (DNS, TLS, credentials, /metadata) on each such destination, and resumes sending when it
// passes. A pause by an operator is never lifted here (DESIGN §4.5, §8).
import type { Logger } from 'winston';

export interface PausedDestination {
  readonly id: string;
  readonly runtime: { readonly state: string; readonly pausedBy?: string };
  setPaused(paused: boolean): void;
}

export interface CredentialRecheckOptions {
  workers: () => readonly PausedDestination[];
  /** The connection check of one destination: ok when every step passed. */
  check: (destinationId: string) => Promise<{ ok: boolean; code: string }>;
  logger: Logger;
  /** Default 5 minutes. */
  intervalMs?: number;
}

const NEEDS_A_PERSON = new Set(['auth', 'misconfigured']);

export class CredentialRecheck {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly opts: CredentialRecheckOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.opts.intervalMs ?? 5 * 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round; returns the destinations resumed. Rounds never overlap. */
  runOnce(): Promise<string[]> {
    if (this.running) return this.running.then(() => []);
    const round = this.round();
    this.running = round.then(
      () => undefined,
      () => undefined,
    );
    void this.running.then(() => (this.running = undefined));
    return round;
  }

  private async round(): Promise<string[]> {
    const resumed: string[] = [];
    for (const w of this.opts.workers()) {
      if (w.runtime.state !== 'paused' || !NEEDS_A_PERSON.has(w.runtime.pausedBy ?? '')) continue;
      try {
        const r = await this.opts.check(w.id);
        // The worker may have been resumed or re-paused by an operator meanwhile.
        if (!r.ok || w.runtime.state !== 'paused' || !NEEDS_A_PERSON.has(w.runtime.pausedBy ?? '')) continue;
        w.setPaused(false);
        resumed.push(w.id);
        this.opts.logger.info('destination accepts the credentials again: sending resumes', { destination: w.id });
      } catch (err) {
        this.opts.logger.warn('credential re-check failed', { destination: w.id, error: (err as Error).message });
      }
    }
    return resumed;
  }
}

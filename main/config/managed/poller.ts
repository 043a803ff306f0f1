// Fetches the ministry document from managed.url every N minutes (docs/managed-config.md §7).
// Conditional GET with the last ETag, so an unchanged document costs a 304. Network and HTTP
// failures never throw out of the poller: they are reported as a reason and the next poll
// tries again; the configuration in force is untouched.

export type PollOutcome =
  | { kind: 'unchanged' }
  | { kind: 'document'; text: string; etag?: string }
  | { kind: 'failed'; reason: string };

export interface PollerOptions {
  url: string;
  intervalMs: number;
  /** Handles a fetched document; returns whether its ETag may be remembered (false: fetch it again next time). */
  onDocument: (text: string) => Promise<boolean>;
  onFailure: (reason: string) => void;
  /** A poll that succeeded (document or 304): clears an earlier failure. */
  onReachable?: () => void;
  timeoutMs?: number;
  /** Largest document accepted (bytes). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export class ManagedConfigPoller {
  private etag?: string;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private current?: Promise<void>;
  private abort?: AbortController;

  constructor(private readonly opts: PollerOptions) {}

  /** Polls at once, then every intervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.pollOnce().finally(() => {
        this.current = undefined;
        this.schedule(this.opts.intervalMs);
      });
    }, delayMs);
  }

  /** One poll, reported through the callbacks; also used for "check now" in the UI. */
  async pollOnce(): Promise<void> {
    const outcome = await this.fetchDocument();
    if (outcome.kind === 'failed') return this.opts.onFailure(outcome.reason);
    this.opts.onReachable?.();
    if (outcome.kind === 'unchanged') return;
    let remember = false;
    try {
      remember = await this.opts.onDocument(outcome.text);
    } catch (err) {
      this.opts.onFailure(`the fetched document could not be handled: ${(err as Error).message}`);
    }
    if (remember) this.etag = outcome.etag;
  }

  async fetchDocument(): Promise<PollOutcome> {
    const { url } = this.opts;
    this.abort = new AbortController();
    const timeout = setTimeout(() => this.abort?.abort(), this.opts.timeoutMs ?? 30_000);
    try {
      const res = await fetch(url, {
        headers: { Accept: 'application/json', ...(this.etag ? { 'If-None-Match': this.etag } : {}) },
        signal: this.abort.signal,
      });
      if (res.status === 304) return { kind: 'unchanged' };
      if (!res.ok) {
        await res.body?.cancel();
        return { kind: 'failed', reason: `the ministry config server at ${url} answered HTTP ${res.status}` };
      }
      const max = this.opts.maxBytes ?? DEFAULT_MAX_BYTES;
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > max) {
        await res.body?.cancel();
        return { kind: 'failed', reason: `the document at ${url} is larger than ${max} bytes` };
      }
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > max) return { kind: 'failed', reason: `the document at ${url} is larger than ${max} bytes` };
      return { kind: 'document', text: body.toString('utf8'), etag: res.headers.get('etag') ?? undefined };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'AbortError' ? (this.stopped ? 'stopped' : 'no answer in time') : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { kind: 'failed', reason: `cannot reach the ministry config server at ${url} (${why})` };
    } finally {
      clearTimeout(timeout);
    }
  }
}

// The conversion engine: a pool of threads running convertRecord (DESIGN §4 convert stage),
// so conversion and validation never hold the event loop that owns sockets, commits and the
// API. One record per thread at a time; a record that crashes its thread or outlives the
// per-record time limit gets an invalid result with the reason, its thread is replaced, and
// every other record carries on.
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ProfilePack } from '../../connectors/formats/types.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { ConvertErrorCode } from './errorCodes.js';
import { threadEntry } from '../util/threadEntry.js';
import type { ConvertedFacts, EngineInput, RecordFailure } from './recordResult.js';
import type { JobMessage, ThreadInit, ThreadMessage } from './protocol.js';

export interface EngineJob {
  format: string;
  /** The stored record's bytes, a claim record's text already decoded, or a claim record as split (EngineInput). */
  raw: EngineInput;
  facilityCode: string;
  now: Date;
  /** Validate against R4 and assess quality too (see ConvertRecordOptions). */
  validate: boolean;
}

export type EngineResult = (ConvertedFacts & { bundle: Buffer }) | RecordFailure;

export interface EngineOptions {
  /** Conversion threads (default: cores − 1, at least 1). */
  threads?: number;
  /** Longest one record may take before its thread is stopped (default 60 s)… */
  timeLimitMs?: number;
  /** …plus this much per MiB of the record (default 5 s), so a legitimately huge record is not cut off. */
  timeLimitPerMiBMs?: number;
  profilePack?: ProfilePack;
  /** Memory limits of each thread (a record beyond them crashes its thread, not the agent). */
  resourceLimits?: ResourceLimits;
  /** Whether records will be validated (default true): threads then load the R4 definitions at start. */
  validates?: boolean;
  /** Module the threads convert with (file URL); default: the real converters. */
  taskModule?: URL;
}

export const DEFAULT_TIME_LIMIT_MS = 60_000;
export const DEFAULT_TIME_LIMIT_PER_MIB_MS = 5_000;

/** cores − 1, at least 1: the main thread keeps one core for I/O. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Pending {
  msg: JobMessage;
  resolve: (r: EngineResult) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  job?: Pending;
  timer?: NodeJS.Timeout;
  /** Set once the pool gave up on this thread (timed out or crashed): later events are ignored. */
  gone: boolean;
}

export class ConversionEngine {
  readonly threads: number;
  readonly timeLimitMs: number;
  readonly timeLimitPerMiBMs: number;
  private readonly init: ThreadInit;
  private readonly entry: URL;
  private readonly pool: Thread[] = [];
  private readonly queue: Pending[] = [];
  private seq = 0;
  private closed = false;
  /** Threads that died before ever becoming ready, in a row: a broken install, not a record. */
  private startFailures = 0;
  /** Counters for the status page and benches. */
  readonly stats = { converted: 0, crashed: 0, timedOut: 0, replaced: 0 };

  constructor(private readonly opts: EngineOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? defaultThreadCount()));
    this.timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.timeLimitPerMiBMs = opts.timeLimitPerMiBMs ?? DEFAULT_TIME_LIMIT_PER_MIB_MS;
    this.init = { profilePackJson: JSON.stringify(opts.profilePack ?? defaultProfilePack()), loadValidator: opts.validates ?? true, taskModule: opts.taskModule?.href };
    this.entry = threadEntry(import.meta.url, './worker.js', 'conversion threads');
    for (let i = 0; i < this.threads; i++) this.pool.push(this.spawn());
  }

  /** Converts one record. Resolves with its result whatever the record does; rejects only once closed. */
  convert(job: EngineJob): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new Error('the conversion engine is closed'));
    return new Promise((resolve, reject) => {
      const msg: JobMessage = { seq: ++this.seq, format: job.format, raw: job.raw, facilityCode: job.facilityCode, now: job.now.getTime(), validate: job.validate };
      this.queue.push({ msg, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; records still queued are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the conversion engine was closed before this record was converted'));
    const threads = this.pool.splice(0);
    for (const t of threads) {
      t.gone = true;
      if (t.timer) clearTimeout(t.timer);
      t.job?.reject(new Error('the conversion engine was closed while converting this record'));
    }
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = new Worker(this.entry, { workerData: this.init, resourceLimits: this.opts.resourceLimits });
    const thread: Thread = { worker, ready: false, gone: false };
    worker.on('message', (m: ThreadMessage) => this.onMessage(thread, m));
    worker.on('error', (err) => this.lost(thread, `the conversion thread crashed on this record (${err.message}); the record is kept and the thread was replaced`));
    worker.on('exit', (code) => this.lost(thread, `the conversion thread stopped on this record (exit code ${code}); the record is kept and the thread was replaced`));
    return thread;
  }

  private onMessage(thread: Thread, m: ThreadMessage): void {
    if (thread.gone) return;
    if (m.kind === 'ready') {
      thread.ready = true;
      this.startFailures = 0;
    } else {
      const job = thread.job;
      if (!job || job.msg.seq !== m.seq) return;
      clearTimeout(thread.timer);
      thread.job = thread.timer = undefined;
      this.stats.converted++;
      if (m.ok) {
        const { kind: _kind, seq: _seq, bundle, ...facts } = m;
        job.resolve({ ...facts, bundle: Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength) });
      } else {
        const { kind: _kind, seq: _seq, ...failure } = m;
        job.resolve(failure);
      }
    }
    this.dispatch();
  }

  private dispatch(): void {
    for (const thread of this.pool) {
      if (!this.queue.length) return;
      if (!thread.ready || thread.job || thread.gone) continue;
      const job = this.queue.shift()!;
      thread.job = job;
      const limit = this.timeLimitFor(job.msg.raw);
      thread.timer = setTimeout(() => this.timedOut(thread, limit), limit);
      thread.worker.postMessage(job.msg);
    }
  }

  /** The record's time limit: the base plus an allowance for its size (a string's length stands in for bytes). */
  timeLimitFor(raw: EngineInput): number {
    const size = typeof raw === 'string' ? raw.length : raw instanceof Uint8Array ? raw.byteLength : raw.files.reduce((n, f) => n + f.noiDungFile.length, 0);
    return Math.round(this.timeLimitMs + (size / 1024 ** 2) * this.timeLimitPerMiBMs);
  }

  private timedOut(thread: Thread, limitMs: number): void {
    if (thread.gone || !thread.job) return;
    this.stats.timedOut++;
    const seconds = limitMs >= 1000 ? `${(limitMs / 1000).toFixed(0)} s` : `${limitMs} ms`;
    this.retire(thread, ConvertErrorCode.timedOut, `converting this record took longer than ${seconds} and was stopped; the record is kept and can be retried`);
  }

  private lost(thread: Thread, message: string): void {
    if (thread.gone || this.closed) return;
    if (!thread.job) {
      // Died without a record: at start (a broken install) or between records.
      if (!thread.ready && ++this.startFailures >= 3) return this.fail(thread, new Error(`conversion threads cannot start: ${message}`));
    } else this.stats.crashed++;
    this.retire(thread, ConvertErrorCode.threadCrashed, message);
  }

  /** Gives up on a thread: its record gets the reason, a new thread takes its place. */
  private retire(thread: Thread, code: string, message: string): void {
    thread.gone = true;
    if (thread.timer) clearTimeout(thread.timer);
    const job = thread.job;
    thread.job = thread.timer = undefined;
    void thread.worker.terminate();
    const i = this.pool.indexOf(thread);
    if (i >= 0 && !this.closed) {
      this.pool[i] = this.spawn();
      this.stats.replaced++;
    }
    job?.resolve({ ok: false, code, message, issuesJson: null, findingsJson: null });
    this.dispatch();
  }

  private fail(thread: Thread, err: Error): void {
    thread.gone = true;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const t of this.pool.splice(0)) {
      t.gone = true;
      t.job?.reject(err);
      void t.worker.terminate();
    }
  }
}

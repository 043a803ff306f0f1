// The agent's side of the MLLP intake thread (mllpThread.ts): a Source like any other. It
// starts the thread, keeps the status the thread last reported, passes enhanced-mode
// application ACKs in, and wakes the converter when rows were committed. A thread that dies
// (an uncaught fault) shows as the source's error and is started again on the same port; its
// unacknowledged senders simply send again. (Running out of memory ends the whole process in
// V8, thread or not: the service manager restarts the agent, and nothing ACKed is lost.)
import { Worker } from 'node:worker_threads';
import type { Logger } from 'winston';
import type { ApplicationOutcome } from '../../connectors/sources/mllp/intake.js';
import type { CommitStats, MllpListenerStats } from '../../connectors/sources/mllp/listener.js';
import { SourceState, type Source, type SourceStatus } from '../../connectors/sources/types.js';
import type { PayloadCipher } from '../store/payloadCipher.js';
import { WriterId, type WriterLock } from '../store/writerLock.js';
import { threadEntry } from '../util/threadEntry.js';
import type { FromThread, MllpThreadInit, ThreadListenerOptions, ToThread } from './protocol.js';

export interface MllpThreadSourceOptions {
  /** The store's database file; the thread opens its own connection to it. */
  dbPath: string;
  cipher: PayloadCipher;
  /** The store's writer lock: the thread's commits queue on it with the agent's. */
  writerLock: WriterLock;
  listener: ThreadListenerOptions;
  /** Rows were committed: the converter has work. */
  onStored?: () => void;
  logger?: Logger;
  reportIntervalMs?: number;
  /** Wait before starting a thread that died again (ms). */
  restartDelayMs?: number;
  /** The thread's entry module (file URL); default the real one. Tests wrap it to inject faults. */
  threadModule?: URL;
}

export class MllpThreadSource implements Source {
  readonly id: string;
  private worker?: Worker;
  private reported?: SourceStatus;
  private counters?: { stats: MllpListenerStats; commits: CommitStats };
  private state: SourceState = SourceState.stopped;
  private failure?: string;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  /** The port senders use: after the first start, a restarted thread binds the same one. */
  private port: number;

  constructor(private readonly opts: MllpThreadSourceOptions) {
    this.id = opts.listener.sourceId;
    this.port = opts.listener.port;
  }

  async start(): Promise<{ port: number }> {
    this.stopping = false;
    this.state = SourceState.starting;
    const port = await this.spawn();
    this.port = port;
    return { port };
  }

  private spawn(): Promise<number> {
    const init: MllpThreadInit = {
      dbPath: this.opts.dbPath,
      cipher: this.opts.cipher.keysForThread(),
      writerLock: this.opts.writerLock.buffer,
      listener: { ...this.opts.listener, port: this.port },
      reportIntervalMs: this.opts.reportIntervalMs ?? 250,
    };
    const entry = this.opts.threadModule ?? threadEntry(import.meta.url, './mllpThread.js', 'the MLLP intake thread');
    const worker = new Worker(entry, { workerData: init });
    this.worker = worker;
    return new Promise<number>((resolve, reject) => {
      let started = false;
      let crash: string | undefined;
      worker.on('message', (m: FromThread) => {
        if (m.kind === 'started') {
          started = true;
          this.reported = m.status;
          this.state = SourceState.listening;
          this.failure = undefined;
          resolve(m.port);
        } else if (m.kind === 'startFailed') {
          this.state = SourceState.error;
          this.failure = `cannot listen: ${m.message}`;
          reject(new Error(m.message));
        } else if (m.kind === 'stored') {
          this.opts.onStored?.();
        } else if (m.kind === 'report') {
          this.reported = m.status;
          this.counters = { stats: m.stats, commits: m.commits };
        }
      });
      worker.on('error', (err) => (crash = err.message));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        // A thread that died inside a commit never released the lock; nothing of that commit was acknowledged.
        this.opts.writerLock.releaseIfHeldBy(WriterId.intakeThread);
        if (!started) {
          if (this.state !== SourceState.error) {
            this.state = SourceState.error;
            this.failure = `the MLLP intake thread could not start: ${crash ?? `exit code ${code}`}`;
          }
          reject(new Error(this.failure));
          return;
        }
        if (this.stopping) return;
        this.state = SourceState.error;
        this.failure = `the MLLP intake thread stopped unexpectedly (${crash ?? `exit code ${code}`}); starting it again`;
        this.opts.logger?.error('MLLP intake thread stopped unexpectedly', { source: this.id, error: crash ?? `exit code ${code}` });
        this.restartTimer = setTimeout(() => this.restart(), this.opts.restartDelayMs ?? 1_000);
      });
    });
  }

  private restart(): void {
    this.restartTimer = undefined;
    if (this.stopping) return;
    this.spawn().then(
      () => this.opts.logger?.info('MLLP intake thread started again', { source: this.id, port: this.port }),
      (err: Error) => {
        this.opts.logger?.error('MLLP intake thread failed to start again', { source: this.id, error: err.message });
        if (!this.stopping) this.restartTimer = setTimeout(() => this.restart(), this.opts.restartDelayMs ?? 1_000);
      },
    );
  }

  /** Like the listener's stop: no new connections, and nothing uncommitted is acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ kind: 'stop' } satisfies ToThread);
      await exited;
    }
    this.state = SourceState.stopped;
  }

  status(): SourceStatus {
    const base = { id: this.id, type: 'mllp' };
    if (this.state === SourceState.listening && this.reported) return this.reported;
    if (this.state === SourceState.error) return { ...base, state: SourceState.error, detail: this.failure, address: this.reported?.address };
    return { ...base, state: this.state, address: this.reported?.address };
  }

  /** The listener's counters and commits as last reported (every `reportIntervalMs` while they change). */
  stats(): { stats: MllpListenerStats; commits: CommitStats } | undefined {
    return this.counters;
  }

  /** Enhanced mode: the application ACK of a converted (or failed) message, sent by the thread. */
  applicationAck(messageId: number, outcome: ApplicationOutcome): void {
    // Original mode has no application ACK: nothing to pass (nor to store) per message.
    if (this.opts.listener.ackMode !== 'enhanced') return;
    this.worker?.postMessage({ kind: 'applicationAck', messageId, outcome } satisfies ToThread);
  }
}

// Checkpoints off the event loop (DESIGN §4.1): by default SQLite checkpoints the WAL inside
// the commit that crosses 1,000 pages, i.e. on the thread that owns the sockets, so one MLLP
// ACK in a few hundred waited for a checkpoint's copy and fsyncs. While this runs, a thread
// of its own checkpoints every `intervalMs`; the store's connection keeps a far larger
// automatic threshold only as a fallback should that thread fall behind.
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../util/threadEntry.js';
import type { Db } from './database.js';

/** WAL pages before the store's own connection checkpoints anyway (≈ 40 MiB). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private exited = false;

  constructor(
    private readonly db: Db,
    path: string,
    intervalMs = 200,
  ) {
    this.worker = new Worker(threadEntry(import.meta.url, './checkpointThread.js', 'the checkpoint thread'), { workerData: { path, intervalMs } });
    this.worker.once('exit', () => (this.exited = true));
    // A thread that cannot run leaves checkpoints to the store's connection, as before.
    this.worker.on('error', () => this.db.open && this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`));
    this.worker.unref();
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }

  async stop(): Promise<void> {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Unref'd while it runs so it never keeps the agent up; while stopping, the wait for its
    // exit must keep the process alive, or a stop with nothing else pending ends mid-way.
    this.worker.ref();
    this.worker.postMessage('stop');
    await done;
  }
}

// Group commit that never idles: a write is committed at the first chance, never held back
// waiting for company. While one transaction is being fsynced (synchronous=FULL), this
// thread is blocked in the commit, and whatever the senders send meanwhile piles up in the
// sockets; the next turn of the event loop reads all of it, and it goes in the next shared
// transaction, hence one fsync for the lot. Each sender still gets its ACK only after its
// own row is on disk.
import type { Db } from './database.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /**
   * How long to keep trying for SQLite's write lock when another process holds it (writers of
   * this process queue on the writer lock, writerLock.ts). Tried again every `lockRetryMs`
   * rather than through SQLite's busy handler, whose sleeps grow to 100 ms: a lab analyzer
   * should wait for the lock to be free, not for the end of a long sleep. The connection's
   * own busy timeout is set aside meanwhile.
   */
  lockWaitMs?: number;
  lockRetryMs?: number;
}

/** A wait shorter than this is the lock being taken, not a wait. */
const LOCK_WAIT_NOTICED_MS = 0.1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (fractions allowed). Only on a thread of its own (the MLLP intake). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Largest batch seen, for benchmarks and the status page. */
  largestBatch = 0;
  batches = 0;
  items = 0;
  /** Longest wait for the write lock (ms), and how many commits had to wait at all. */
  longestLockWaitMs = 0;
  lockWaits = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: GroupCommitOptions = {},
  ) {}

  /**
   * Runs `work` inside the next shared transaction and resolves after that transaction has
   * committed. A `work` that throws is rolled back alone (a savepoint) and rejects alone.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // setImmediate runs after the poll phase: every socket read of this turn is queued first.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    this.batches++;
    this.items += batch.length;
    let outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    const flushedAt = performance.now();
    let beganAt = flushedAt;
    const all = this.db.transaction(() => {
      beganAt = performance.now();
      outcomes = [];
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: this.db.transaction(item.work)() });
        } catch (err) {
          // On disk full or an I/O error SQLite rolls back the whole transaction, not just the
          // savepoint: the batch is gone, and it must fail with that cause (not a later
          // "no transaction is active"), before any other item runs outside a transaction.
          if (!this.db.inTransaction) throw err;
          outcomes.push({ ok: false, err });
        }
      }
    });
    try {
      this.commitTaking(() => all.immediate());
    } catch (err) {
      // The commit itself failed (disk full, I/O error, the lock never freed): nothing of this batch is stored.
      for (const item of batch) item.reject(err);
      return;
    }
    // Time before the transaction could begin: another writer (the agent's own connection) had the lock.
    const waited = beganAt - flushedAt;
    if (waited > LOCK_WAIT_NOTICED_MS) {
      this.lockWaits++;
      this.longestLockWaitMs = Math.max(this.longestLockWaitMs, waited);
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.err);
    });
  }

  /** The connection's own busy timeout, put back after each commit. */
  private busyTimeout?: number;

  /** BEGIN IMMEDIATE takes the write lock first, so a busy lock fails before any work ran. */
  private commitTaking(commit: () => void): void {
    const { lockWaitMs, lockRetryMs = 0.2 } = this.opts;
    if (lockWaitMs === undefined) return commit();
    const start = performance.now();
    // exec, not pragma(): no statement object per commit holding native memory until finalised.
    this.busyTimeout ??= Number(this.db.pragma('busy_timeout', { simple: true }));
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      for (;;) {
        try {
          commit();
          return;
        } catch (err) {
          if (!isBusy(err) || this.db.inTransaction || performance.now() - start > lockWaitMs) throw err;
          pause(lockRetryMs);
        }
      }
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeout}`);
    }
  }
}

// Group commit: writes requested in the same turn of the event loop share one transaction,
// hence one fsync. With synchronous=FULL the fsync is the cost of durability; many MLLP
// connections sending at once then pay it once per batch instead of once per message,
// while each sender still gets its ACK only after its own row is on disk.
import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /**
   * How many writers may be waiting right now (e.g. open MLLP connections). While fewer have
   * queued, the batch waits up to `maxWaitMs` for the others, so that they share one fsync.
   */
  expectedWriters?: () => number;
  maxWaitMs?: number;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  /** Largest batch seen, for benchmarks and the status page. */
  largestBatch = 0;
  batches = 0;
  items = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: GroupCommitOptions = {},
  ) {}

  /**
   * Runs `work` inside the next shared transaction and resolves after that transaction has
   * committed. A `work` that throws is rolled back alone (a savepoint) and rejects alone.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      const everyone = this.queue.length >= (this.opts.expectedWriters?.() ?? 1);
      if (everyone && this.timer) {
        // The last expected writer arrived: no reason to wait out the timer.
        clearTimeout(this.timer);
        this.timer = undefined;
        this.scheduled = false;
      }
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the poll phase: every socket read of this turn is queued first.
        if (everyone) setImmediate(() => this.flush());
        else this.timer = setTimeout(() => this.flush(), this.opts.maxWaitMs ?? 2);
      }
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    this.batches++;
    this.items += batch.length;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.db.transaction(() => {
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
      })();
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.err);
    });
  }
}

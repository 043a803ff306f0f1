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

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Largest batch seen, for benchmarks and the status page. */
  largestBatch = 0;

  constructor(private readonly db: Database.Database) {}

  /**
   * Runs `work` inside the next shared transaction and resolves after that transaction has
   * committed. A `work` that throws is rolled back alone (a savepoint) and rejects alone.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the poll phase: every socket read of this turn is queued first.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(item.work)() });
          } catch (err) {
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

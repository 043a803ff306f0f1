// One writer at a time, in this process, without sleeping. SQLite lets one connection write
// at a time and makes the others poll for the lock with sleeps that grow to 100 ms; with the
// MLLP intake thread committing hundreds of times a second, the agent's own connection then
// kept missing the short gaps and slept for hundreds of milliseconds. Both connections take
// this lock first: a waiter blocks on a shared cell (Atomics.wait) and is woken the moment
// the holder releases it, so each waits only as long as the other's transaction lasts.
import { performance } from 'node:perf_hooks';

/** Who holds the lock: the agent's thread, or the MLLP intake thread (released for it should it die). */
export const WriterId = { agent: 1, intakeThread: 2 } as const;
export type WriterId = (typeof WriterId)[keyof typeof WriterId];

/** Longest wait before giving up (the other writer is stuck, or died holding it). */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Cells of the shared buffer: who holds the lock (0 = nobody), and how many wait for it. */
const HOLDER = 0;
const WAITING = 1;

export class WriterLockTimeout extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(waitedMs: number) {
    super(`the store stayed locked by another writer for ${Math.round(waitedMs)} ms`);
  }
}

export class WriterLock {
  private readonly cell: Int32Array;
  /** How many acquisitions had to wait, and the longest wait (ms), on this thread. */
  waits = 0;
  longestWaitMs = 0;

  constructor(
    /** Share it with a thread by passing `buffer` (workerData) to `new WriterLock(buffer, …)` there. */
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
    private readonly id: WriterId = WriterId.agent,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.cell = new Int32Array(buffer);
  }

  acquire(): void {
    if (Atomics.compareExchange(this.cell, HOLDER, 0, this.id) === 0) return;
    const start = performance.now();
    Atomics.add(this.cell, WAITING, 1);
    try {
      for (;;) {
        const holder = Atomics.load(this.cell, HOLDER);
        if (holder === 0 && Atomics.compareExchange(this.cell, HOLDER, 0, this.id) === 0) break;
        const waited = performance.now() - start;
        if (waited > this.timeoutMs) throw new WriterLockTimeout(waited);
        if (holder !== 0) Atomics.wait(this.cell, HOLDER, holder, Math.min(100, this.timeoutMs - waited + 1));
      }
    } finally {
      Atomics.sub(this.cell, WAITING, 1);
    }
    const waited = performance.now() - start;
    this.waits++;
    this.longestWaitMs = Math.max(this.longestWaitMs, waited);
  }

  release(): void {
    Atomics.store(this.cell, HOLDER, 0);
    Atomics.notify(this.cell, HOLDER);
  }

  /** Frees the lock if `holder` still has it: that writer is gone (its thread died). */
  releaseIfHeldBy(holder: WriterId): boolean {
    if (Atomics.compareExchange(this.cell, HOLDER, holder, 0) !== holder) return false;
    Atomics.notify(this.cell, HOLDER);
    return true;
  }

  /** Writers blocked waiting for the lock right now, all threads together. */
  waiting(): number {
    return Atomics.load(this.cell, WAITING);
  }
}

import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { WriterId, WriterLock, WriterLockTimeout } from './writerLock.js';

/** Another thread that holds the lock until someone waits for it, then lets go. */
function holderThatYields(buffer: SharedArrayBuffer): Worker {
  return new Worker(
    `const { workerData } = require('node:worker_threads');
     const cell = new Int32Array(workerData);
     while (Atomics.load(cell, 1) === 0) Atomics.wait(cell, 1, 0, 5);
     Atomics.store(cell, 0, 0);
     Atomics.notify(cell, 0);`,
    { eval: true, workerData: buffer },
  );
}

describe('the writer lock', () => {
  it('a writer waits while another thread holds it and takes it the moment it is released', async () => {
    const lock = new WriterLock();
    new Int32Array(lock.buffer)[0] = WriterId.intakeThread; // held by the other thread
    const other = holderThatYields(lock.buffer);
    lock.acquire(); // blocks until the other thread sees a waiter and releases
    expect(new Int32Array(lock.buffer)[0]).toBe(WriterId.agent);
    expect([lock.waits, lock.waiting()]).toEqual([1, 0]);
    lock.release();
    expect(new Int32Array(lock.buffer)[0]).toBe(0);
    await other.terminate();
  });

  it('is taken without waiting when free, and released for a writer that died holding it', () => {
    const lock = new WriterLock();
    lock.acquire();
    expect(lock.waits).toBe(0);
    expect(lock.releaseIfHeldBy(WriterId.intakeThread)).toBe(false); // not the dead one's
    lock.release();
    new Int32Array(lock.buffer)[0] = WriterId.intakeThread;
    expect(lock.releaseIfHeldBy(WriterId.intakeThread)).toBe(true);
    lock.acquire();
    expect(lock.waits).toBe(0);
    lock.release();
  });

  it('gives up after its time limit with a busy error, and stops counting itself as waiting', () => {
    const lock = new WriterLock(new SharedArrayBuffer(8), WriterId.agent, 30);
    new Int32Array(lock.buffer)[0] = WriterId.intakeThread;
    let err: unknown;
    try {
      lock.acquire();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WriterLockTimeout);
    expect((err as WriterLockTimeout).code).toBe('SQLITE_BUSY');
    expect(lock.waiting()).toBe(0);
  });
});

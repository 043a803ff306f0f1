// The WAL checkpointer's thread: its own connection copies committed WAL pages into the
// database file (PASSIVE: never waits for, nor blocks, a writer or a reader), so that the
// connection of the event loop never pays a checkpoint's copying and fsyncs inside a commit.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path, { fileMustExist: true });
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or the file going away while the store closes: the next turn (or the writer's own
    // fallback checkpoint) catches up.
  }
}, intervalMs);

parentPort?.on('message', (m: string) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});

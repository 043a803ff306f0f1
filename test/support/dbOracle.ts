// An independent look at an agent's database file: a connection of its own, read-only, that
// shares nothing with the store under test (not its handle, not its queries), so what a test
// reads here is what is on disk and not what the store believes.
import Database from 'better-sqlite3';

export type Oracle = Database.Database;

/** Opens `path` read-only; close it when done (e.g. `using`-style in a finally). */
export function openOracle(path: string): Oracle {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** Runs `read` on a fresh read-only connection to `path` and closes it. */
export function readDb<T>(path: string, read: (db: Oracle) => T): T {
  const db = openOracle(path);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * Copies the WAL's pages into the main file (a checkpoint), from a connection of its own, so
 * that the file alone holds every committed page. Writes no data of its own.
 */
export function checkpointWal(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

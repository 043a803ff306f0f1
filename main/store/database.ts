// Opening the database file: better-sqlite3 in WAL mode with synchronous=FULL, so that a
// committed record survives a power loss before any sender is acknowledged or any file moved
// (DESIGN §4.1), and bringing its schema up to date. The handle never leaves main/store.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;
/** One result row as better-sqlite3 gives it. */
export type Row = Record<string, unknown>;

export interface OpenOptions {
  /**
   * false: no fsync at commit (synchronous=OFF). Only for throwaway stores (fuzzing), where a
   * power loss does not matter; the agent always syncs.
   */
  fsync?: boolean;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const isNew = !existsSync(path);
    db = new Database(path);
    if (isNew) chmodSync(path, 0o600); // patient data: owner only (DESIGN §9)
  } else {
    db = new Database(path);
  }
  // Retention frees payload space; incremental auto-vacuum gives it back to the disk. It can
  // only be chosen before the first table exists.
  if ((db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(opts.fsync === false ? 'synchronous = OFF' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS);
  return db;
}

/**
 * Runs `work` with commits that write the WAL without an fsync of their own (synchronous =
 * NORMAL), for state that is derived from rows already durable (a converted bundle comes
 * from the raw record committed with FULL before any ACK). In WAL mode such a commit is
 * still atomic and survives the process being killed; only a power loss can undo it, and then
 * the record is simply converted again. The next FULL commit (the next MLLP message, a
 * delivery claim) syncs the WAL and with it every frame before it, so nothing leaves the agent
 * on the strength of an unsynced commit. The event loop thus pays no fsync for conversions.
 */
export function withDerivedCommits<T>(db: Db, work: () => T): T {
  const level = db.pragma('synchronous', { simple: true }) as number;
  if (level < 2) return work();
  db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/** Applies, in order, each migration newer than the database; each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const current = (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}

export function schemaVersion(db: Db): number {
  return (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v;
}

const handles = new WeakMap<object, Db>();

/** Remembers the connection behind a store, for the store's own tests (see handleOf). */
export function registerHandle(owner: object, db: Db): void {
  handles.set(owner, db);
}

/** The connection behind a store: for main/store's own modules and tests only. */
export function handleOf(owner: object): Db {
  const db = handles.get(owner);
  if (!db) throw new Error('not a store opened by Store.open');
  return db;
}

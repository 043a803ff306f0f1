// Opening the database file: better-sqlite3 in WAL mode with synchronous=FULL, so that a
// committed record survives a power loss before any sender is acknowledged or any file moved
// (DESIGN §4.1), and bringing its schema up to date. The handle never leaves main/store.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';
import { WriterLock } from './writerLock.js';

export type Db = Database.Database;
/** One result row as better-sqlite3 gives it. */
export type Row = Record<string, unknown>;

export interface OpenOptions {
  /**
   * false: no fsync at commit (synchronous=OFF). Only for throwaway stores (fuzzing), where a
   * power loss does not matter; the agent always syncs.
   */
  fsync?: boolean;
  /**
   * false: this connection never checkpoints the WAL inside its own commits. For a second
   * connection whose commits must stay short (the MLLP intake thread's); the agent's own
   * connection and its checkpoint thread do the checkpoints.
   */
  autoCheckpoint?: boolean;
  /**
   * Taken by every transaction of this connection before it begins (see writerLock.ts). The
   * agent shares its store's lock with the MLLP intake thread; by default each store has its own.
   */
  writerLock?: WriterLock;
}

/**
 * A connection whose transactions take the writer lock first, and then BEGIN IMMEDIATE: the
 * SQLite lock is then free unless another process writes, so no transaction sleeps in
 * SQLite's busy handler waiting for a writer of this process. Nested transactions (savepoints)
 * run inside the lock their outermost one holds.
 */
class LockedDatabase extends Database {
  constructor(
    path: string,
    readonly writerLock: WriterLock,
  ) {
    super(path);
  }

  override transaction<F extends (...args: never[]) => unknown>(fn: F): Database.Transaction<F> {
    const tx = super.transaction(fn);
    const db = this;
    type Variant = (this: unknown, ...args: unknown[]) => unknown;
    const locked = (variant: Variant): Variant =>
      function (this: unknown, ...args: unknown[]): unknown {
        if (db.inTransaction) return variant.apply(this, args);
        db.writerLock.acquire();
        try {
          return variant.apply(this, args);
        } finally {
          db.writerLock.release();
        }
      };
    const immediate = locked(tx.immediate as unknown as Variant);
    return Object.assign(immediate, {
      default: immediate,
      deferred: locked(tx.deferred as unknown as Variant),
      immediate,
      exclusive: locked(tx.exclusive as unknown as Variant),
      database: this,
    }) as unknown as Database.Transaction<F>;
  }
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const isNew = !existsSync(path);
    db = new LockedDatabase(path, opts.writerLock ?? new WriterLock());
    if (isNew) chmodSync(path, 0o600); // patient data: owner only (DESIGN §9)
  } else {
    db = new LockedDatabase(path, opts.writerLock ?? new WriterLock());
  }
  // Retention frees payload space; incremental auto-vacuum gives it back to the disk. It can
  // only be chosen before the first table exists.
  if ((db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(opts.fsync === false ? 'synchronous = OFF' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (opts.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
  migrate(db, MIGRATIONS);
  return db;
}

/**
 * Runs `work` with commits that write the WAL without an fsync of their own (synchronous =
 * NORMAL), for outcomes of work on records already durable: a converted bundle (its raw record
 * was committed with FULL before any ACK), a delivery claimed, settled or a part confirmed.
 * In WAL mode such a commit is atomic and survives the process being killed; a power loss can
 * undo at most the last fraction of a second of them, and then the record is converted or
 * sent again (writes are idempotent). The next FULL commit (an MLLP message, a file's records)
 * or the checkpoint thread, every 200 ms, syncs the WAL and every frame before it. So the
 * writer lock is never held through an fsync of the agent's own bookkeeping, and the MLLP
 * intake thread — which commits with FULL — never waits behind one. Nested in a transaction,
 * it is that transaction's commit that counts.
 */
export function withDerivedCommits<T>(db: Db, work: () => T): T {
  if (db.inTransaction) return work();
  if (syncLevelOf(db) < 2) return work();
  // exec, not pragma(): a setting pragma takes effect when compiled, so it cannot be prepared
  // once and re-run, and a statement made per call (pragma()) holds native memory until the
  // garbage collector finalises it — this runs for every conversion and delivery outcome.
  db.exec('PRAGMA synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.exec('PRAGMA synchronous = FULL');
  }
}

/** The connection's own synchronous level (set when it was opened), read once. */
const syncLevels = new WeakMap<Db, number>();
function syncLevelOf(db: Db): number {
  let level = syncLevels.get(db);
  if (level === undefined) {
    level = db.pragma('synchronous', { simple: true }) as number;
    syncLevels.set(db, level);
  }
  return level;
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

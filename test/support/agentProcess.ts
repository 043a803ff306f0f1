// The built agent as a separate process, and read-only looks into its database: what the
// crash tests need to kill it at any moment and check what survived.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PACKAGE_ROOT } from '../../main/paths.js';

/** The CLI built by `npm test` (tsc) before the tests run. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'main', 'cli.js');

export const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode ? resolve() : p.once('exit', () => resolve())));

/** Messages stored and deliveries delivered, read with a separate read-only connection. */
export function dbCounts(dbPath: string): { messages: number; delivered: number } {
  if (!existsSync(dbPath)) return { messages: 0, delivered: 0 };
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const ready = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'deliveries'").get() as { n: number };
    if (!ready.n) return { messages: 0, delivered: 0 };
    return {
      messages: (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n,
      delivered: (db.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'delivered'").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

// Named prepared statements made once per database connection (STYLE habit 3), for the
// store's query modules that take a connection rather than a Store.
import type Database from 'better-sqlite3';

/** Returns a getter of `prepare(db)`'s statements, prepared on first use for each connection. */
export function preparedStatements<T>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (db) => {
    let s = cache.get(db);
    if (!s) {
      s = prepare(db);
      cache.set(db, s);
    }
    return s;
  };
}

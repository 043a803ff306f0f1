// A full disk, on demand: the store's connection may no longer grow the file, so the next write
// that needs a page fails with SQLITE_FULL exactly as on a full disk. Tests of intake under a
// full disk use it where no small file system can be mounted.
import { handleOf } from './database.js';
import type { Store } from './store.js';

/** Caps the database at its current size until `release()` is called. */
export function fillDisk(store: Store): { release(): void } {
  const db = handleOf(store);
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  return { release: () => void db.pragma('max_page_count = 1073741823') };
}

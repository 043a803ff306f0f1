// Files waiting in a watched folder to be read (DESIGN §8 honest backlog): the ETA of a backlog
// means little while 1,900 exported records still sit unread in the inbox. Counted by listing
// the folder's top level (what the folder source reads), at most once a second.
import { readdirSync } from 'node:fs';
import { isIgnoredFileName } from '../../connectors/sources/folder/fileNames.js';

const RESCAN_MS = 1000;

export class InboxCounter {
  private readonly cache = new Map<string, { at: number; n: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Files in `dir` the folder source will read (temporary, hidden and editor files left out). */
  waiting(dir: string): number {
    const t = this.now();
    const hit = this.cache.get(dir);
    if (hit && t - hit.at < RESCAN_MS) return hit.n;
    let n = 0;
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile() && !isIgnoredFileName(e.name)) n++;
    } catch {
      n = 0; // not there (yet): nothing waits
    }
    this.cache.set(dir, { at: t, n });
    return n;
  }
}

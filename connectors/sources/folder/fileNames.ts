// Which files in a watched folder are ours to read, and where they go afterwards.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

/**
 * Files still being written by the HIS or by a copy tool, and editor/OS droppings.
 * A HIS that writes `x.xml.tmp` then renames it to `x.xml` is read once, after the rename.
 */
const PARTIAL_SUFFIXES = ['.tmp', '.temp', '.part', '.partial', '.crdownload', '.filepart', '.download', '.swp'];

export function isIgnoredFileName(path: string): boolean {
  const name = basename(path);
  if (name.startsWith('.') || name.startsWith('~')) return true;
  const lower = name.toLowerCase();
  if (PARTIAL_SUFFIXES.some((s) => lower.endsWith(s))) return true;
  if (lower.endsWith('.error.txt')) return true;
  if (lower === 'thumbs.db' || lower === 'desktop.ini') return true;
  return false;
}

/** A free name for `name` inside `dir`: the same name, or `name (2).ext`, `name (3).ext` … */
export function freeNameIn(dir: string, name: string): string {
  let candidate = join(dir, name);
  if (!existsSync(candidate)) return candidate;
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 2; ; n++) {
    candidate = join(dir, `${stem} (${n})${ext}`);
    if (!existsSync(candidate)) return candidate;
  }
}

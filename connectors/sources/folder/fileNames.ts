// Which files in a watched folder are ours to read, and where they go afterwards.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

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

/** Names Windows keeps for devices: a file so named cannot be created or opened there. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;
/** Longest name written (bytes), leaving room under the usual 255 for " (n)" and ".error.txt". */
const MAX_NAME_BYTES = 200;

/**
 * The name a watched file gets in processed/ or error/: one plain path component, whatever
 * the HIS (or an attacker with write access to the inbox) called it. Separators, `..`, control
 * characters and characters Windows refuses become `_`; a device name gets a `_` prefix; a long
 * name is shortened, keeping its extension.
 */
export function safeFileName(name: string): string {
  let safe = basename(name.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f<>:"|?*\\/]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, (tail) => '_'.repeat(tail.length)); // Windows drops trailing dots and blanks
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  if (safe === '') safe = '_';
  if (Buffer.byteLength(safe) > MAX_NAME_BYTES) {
    const ext = extname(safe).slice(0, 16);
    let stem = safe.slice(0, safe.length - extname(safe).length);
    while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = stem.slice(0, -1);
    safe = stem + ext;
  }
  return safe;
}

/**
 * A free path for `name` inside `dir`: the same (safe) name, or `name (2).ext`, `name (3).ext` …
 * Never outside `dir`, whatever `name` holds.
 */
export function freeNameIn(dir: string, name: string): string {
  const safe = safeFileName(name);
  const inside = (candidate: string) => {
    if (dirname(resolve(candidate)) !== resolve(dir)) throw new Error(`refusing to write ${JSON.stringify(name)} outside ${dir}`);
    return candidate;
  };
  let candidate = inside(join(dir, safe));
  if (!existsSync(candidate)) return candidate;
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  for (let n = 2; ; n++) {
    candidate = inside(join(dir, `${stem} (${n})${ext}`));
    if (!existsSync(candidate)) return candidate;
  }
}

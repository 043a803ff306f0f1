// File operations for the watched folder that never follow a link out of it (docs/security.md):
// whoever can write the inbox must not be able to make the agent read, overwrite or create a
// file elsewhere — the agent may run as a service account with more rights than the HIS user.
//   - every entry is looked at with lstat first: links and special files (FIFO, socket,
//     device) are refused unread — a FIFO is never opened, so it cannot block the agent;
//   - a file is opened with O_NOFOLLOW (where the platform has it) and O_NONBLOCK, and the open
//     descriptor must still be the regular file lstat saw; everything is read from that
//     descriptor, never from the path again;
//   - moves into processed/ and error/ and `<name>.error.txt` reports are exclusive creates: an
//     entry already there (a planted symlink included) is never replaced or written through;
//     the next free name is used instead.
import { randomUUID } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { safeFileName } from './fileNames.js';

/** 0 where the platform lacks the flag (Windows): there lstat and the fstat check still apply. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

export type EntryKind = 'file' | 'symlink' | 'fifo' | 'socket' | 'device' | 'directory' | 'other';

export function entryKind(s: Stats): EntryKind {
  if (s.isFile()) return 'file';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'device';
  if (s.isDirectory()) return 'directory';
  return 'other';
}

/** Why an entry of this kind is not read, in plain words (it goes into the error report). */
export function refusalReason(kind: EntryKind): string {
  switch (kind) {
    case 'symlink':
      return 'the entry is a symbolic link; links are never followed (they could point at any file on this computer), so it was not read. Copy the file itself into the folder';
    case 'fifo':
      return 'the entry is a named pipe (FIFO), not a file; it was not opened';
    case 'socket':
      return 'the entry is a socket, not a file; it was not opened';
    case 'device':
      return 'the entry is a device, not a file; it was not opened';
    default:
      return 'the entry is not a regular file; it was not read';
  }
}

export class RefusedEntryError extends Error {
  readonly code = 'FILE_NOT_REGULAR';
  constructor(readonly kind: EntryKind) {
    super(refusalReason(kind));
  }
}

export interface OpenedFile {
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/**
 * Opens an inbox entry for reading only if it is a regular file, without following a link and
 * without blocking on a FIFO swapped in after lstat. Throws RefusedEntryError for anything else.
 */
export async function openRegularFile(path: string): Promise<OpenedFile> {
  const before = await lstat(path);
  const kind = entryKind(before);
  if (kind !== 'file') throw new RefusedEntryError(kind);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    // ELOOP: the entry became a symlink between lstat and open.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new RefusedEntryError('symlink');
    throw err;
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new RefusedEntryError(entryKind(s));
    // Another file swapped in under the same name between lstat and open: not the one looked at.
    if (s.ino !== before.ino || s.dev !== before.dev) throw new RefusedEntryError('other');
    return { handle, size: s.size, mtimeMs: s.mtimeMs };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

const isTaken = (err: unknown) => (err as NodeJS.ErrnoException).code === 'EEXIST';

/** `name`, then `stem (2).ext`, `stem (3).ext` … — all one safe path component. */
function* candidateNames(name: string): Generator<string> {
  const safe = safeFileName(name);
  yield safe;
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  for (let n = 2; ; n++) yield `${stem} (${n})${ext}`;
}

async function entryExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Link failures that mean "this file system has no hard links here": fall back to a copy. */
const NO_HARD_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Moves an inbox file into `dir` under a free name and returns that path. The new name is
 * created exclusively (hard link, or an O_EXCL copy from the already open descriptor when the
 * folders are on different drives), so nothing already in `dir` is replaced or written through.
 * With `handle` absent (a refused link or special file), the entry itself is renamed — the
 * name is checked free with lstat first, and rename never writes through a link at the target.
 */
export async function moveExclusive(from: string, dir: string, name: string, handle?: FileHandle): Promise<string> {
  for (const candidate of candidateNames(name)) {
    const to = join(dir, candidate);
    if (!handle) {
      if (await entryExists(to)) continue;
      await rename(from, to);
      return to;
    }
    try {
      await link(from, to);
      await unlink(from);
      return to;
    } catch (err) {
      if (isTaken(err)) continue;
      if (!NO_HARD_LINK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
    try {
      await copyFromHandle(handle, to);
    } catch (err) {
      if (isTaken(err)) continue;
      throw err;
    }
    await unlink(from);
    return to;
  }
  throw new Error('unreachable');
}

async function copyFromHandle(src: FileHandle, to: string): Promise<void> {
  const out = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let pos = 0; ; ) {
      const { bytesRead } = await src.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      await out.write(buf, 0, bytesRead);
      pos += bytesRead;
    }
    await out.sync();
  } catch (err) {
    await out.close();
    await unlink(to).catch(() => undefined);
    throw err;
  }
  await out.close();
}

/**
 * Writes `<name>.error.txt` in `dir` as a new file (O_EXCL, no-follow, 0600). If that name is
 * taken — by an earlier report or by a planted link — `<name> (2).error.txt` and so on: the
 * entry already there is left exactly as it was. The report appears whole: it is written to a
 * hidden file first and then linked under its name (a link never replaces what is there), so
 * nobody — an officer, the status screen — reads it half written. Returns the path written.
 */
export async function writeReportExclusive(dir: string, name: string, text: string): Promise<string> {
  const partial = join(dir, `.${randomUUID()}.partial`);
  const fh = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
  try {
    for (const candidate of candidateNames(name)) {
      const to = join(dir, `${candidate}.error.txt`);
      try {
        await link(partial, to);
        return to;
      } catch (err) {
        if (isTaken(err)) continue;
        throw err;
      }
    }
  } finally {
    await unlink(partial).catch(() => undefined);
  }
  throw new Error('unreachable');
}

/**
 * A file name as it may appear in report text: control characters, line and paragraph
 * separators and bidirectional overrides are shown escaped (`\n`, `\u001b`, `\u202e`), so a
 * name cannot forge extra lines or hide its real extension in the report or the logs.
 */
export function printableName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

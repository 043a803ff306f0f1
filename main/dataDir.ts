// The data folder (database, keys, logs) must be writable before anything starts: a folder on a
// read-only or full disk is reported in plain words at start, not as a stack trace from
// whichever component touched it first (DESIGN §9, docs/security.md).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Why the data folder cannot be used, with what to do about it. */
export class DataDirError extends Error {
  constructor(
    readonly dataDir: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataDirError';
  }
}

const ADVICE: Record<string, string> = {
  EROFS: 'the disk is mounted read-only; move dataDir to a writable disk or remount it read-write',
  EACCES: 'the account running the agent may not write there; give it write access or choose another dataDir',
  EPERM: 'the account running the agent may not write there; give it write access or choose another dataDir',
  ENOSPC: 'the disk is full; free some space or move dataDir to a disk with room',
  EDQUOT: 'the disk quota of this account is used up; free some space or raise the quota',
  ENOTDIR: 'a file stands where the folder should be; choose another dataDir',
  ENOENT: 'the folder cannot be created there (its disk may be read-only or missing); choose another dataDir',
};

/** Creates the folder if needed and proves it writable with a small probe file. */
export function ensureWritableDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(probe, 'ok', { mode: 0o600 });
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const advice = ADVICE[code] ?? (err as Error).message;
    throw new DataDirError(dataDir, code, `cannot write to the data folder ${dataDir} (${code}): ${advice}`);
  }
}

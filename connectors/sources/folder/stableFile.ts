// Stable-file detection: a file is read only once its size and mtime have stayed the same
// for `quietMs`. HIS exporters and copy tools write in bursts; reading early would see a
// truncated envelope.
import { lstat } from 'node:fs/promises';
import { entryKind, type EntryKind } from './safeFs.js';

export interface FileSignature {
  size: number;
  mtimeMs: number;
  /** What the entry itself is (lstat: a link is a link, never what it points at). */
  kind: EntryKind;
}

/** The entry as it stands, without following a link; null when gone or a directory. */
export async function fileSignature(path: string): Promise<FileSignature | null> {
  try {
    const s = await lstat(path);
    const kind = entryKind(s);
    if (kind === 'directory') return null;
    return { size: s.size, mtimeMs: s.mtimeMs, kind };
  } catch {
    return null; // vanished (moved away or deleted by its writer)
  }
}

export const sameSignature = (a: FileSignature, b: FileSignature) => a.kind === b.kind && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Calls `onStable(path, signature)` once a file has been quiet for `quietMs`; every new
 * event for the path restarts its wait.
 */
export class FileStabilizer {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; sig: FileSignature | null }>();

  constructor(
    private readonly quietMs: number,
    private readonly onStable: (path: string, sig: FileSignature) => void,
  ) {}

  async touch(path: string): Promise<void> {
    const sig = await fileSignature(path);
    this.arm(path, sig);
  }

  private arm(path: string, sig: FileSignature | null): void {
    const prev = this.timers.get(path);
    if (prev) clearTimeout(prev.timer);
    if (!sig) {
      this.timers.delete(path);
      return;
    }
    const timer = setTimeout(() => void this.check(path, sig), this.quietMs);
    this.timers.set(path, { timer, sig });
  }

  private async check(path: string, before: FileSignature): Promise<void> {
    const now = await fileSignature(path);
    if (!now) {
      this.timers.delete(path);
      return;
    }
    if (sameSignature(before, now)) {
      this.timers.delete(path);
      this.onStable(path, now);
    } else {
      this.arm(path, now);
    }
  }

  forget(path: string): void {
    const t = this.timers.get(path);
    if (t) clearTimeout(t.timer);
    this.timers.delete(path);
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}

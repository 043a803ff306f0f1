// The files the watched folders could not take in (DESIGN §4.2, §8): each sits in its source's
// error folder beside `<name>.error.txt`. The status screens list them with the reason in
// Vietnamese, and the health stays amber while some are new: newer than the moment an officer
// last marked the list as seen (kept in <dataDir>/error-files-seen.json across restarts).
import { readdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { problemText } from '../../connectors/formats/problemTexts.js';
import type { ErrorFileDto, ErrorFilesSummary } from '../api/contract.js';

const REASON_SUFFIX = '.error.txt';
/** Listing a folder of thousands of files on every status refresh would be wasteful. */
const RESCAN_MS = 1000;

export interface ErrorFolder {
  sourceId: string;
  dir: string;
}

interface Entry extends ErrorFileDto {
  atMs: number;
}

export class ErrorFiles {
  private cache: { at: number; entries: Entry[] } | undefined;
  private readonly reasons = new Map<string, { mtimeMs: number; code: string | null }>();
  private seenAtMs: number;

  constructor(
    private folders: readonly ErrorFolder[],
    private readonly seenPath: string,
    private readonly now: () => number = Date.now,
  ) {
    this.seenAtMs = readSeen(seenPath);
  }

  /** A configuration reload may add, move or remove folder sources. */
  setFolders(folders: readonly ErrorFolder[]): void {
    this.folders = folders;
    this.cache = undefined;
  }

  private scan(): Entry[] {
    const t = this.now();
    if (this.cache && t - this.cache.at < RESCAN_MS) return this.cache.entries;
    const entries: Entry[] = [];
    for (const { sourceId, dir } of this.folders) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // not created yet: nothing failed there
      }
      const present = new Set(names);
      for (const name of names) {
        // Reports are listed with their file; hidden entries (a report being written) are not rejected files.
        if (name.endsWith(REASON_SUFFIX) || name.startsWith('.')) continue;
        let st;
        try {
          st = statSync(join(dir, name));
        } catch {
          continue;
        }
        if (!st.isFile()) continue;
        const reasonFile = present.has(name + REASON_SUFFIX) ? join(dir, name + REASON_SUFFIX) : null;
        const code = reasonFile ? this.codeOf(reasonFile) : null;
        const text = problemText(code);
        entries.push({
          sourceId,
          name,
          folder: dir,
          code,
          reason: text.reason,
          action: text.action,
          at: new Date(st.mtimeMs).toISOString(),
          atMs: st.mtimeMs,
          isNew: st.mtimeMs > this.seenAtMs,
        });
      }
    }
    entries.sort((a, b) => b.atMs - a.atMs || a.name.localeCompare(b.name));
    this.cache = { at: t, entries };
    return entries;
  }

  /** The first `[CODE]` of the reason file (describeFailure writes it on its second line). */
  private codeOf(path: string): string | null {
    try {
      const mtimeMs = statSync(path).mtimeMs;
      const known = this.reasons.get(path);
      if (known && known.mtimeMs === mtimeMs) return known.code;
      const code = /\[([A-Z0-9_]+)\]/.exec(readFileSync(path, 'utf8').slice(0, 4096))?.[1] ?? null;
      this.reasons.set(path, { mtimeMs, code });
      return code;
    } catch {
      return null;
    }
  }

  list(limit = 200): { items: ErrorFileDto[]; total: number; seenAt: string | null } {
    const entries = this.scan();
    return { items: entries.slice(0, limit).map(({ atMs: _ignored, ...dto }) => dto), total: entries.length, seenAt: this.seenAtMs ? new Date(this.seenAtMs).toISOString() : null };
  }

  summary(): ErrorFilesSummary {
    const entries = this.scan();
    return { count: entries.length, new: entries.filter((e) => e.isNew).length, lastAt: entries[0]?.at ?? null };
  }

  /** An officer has looked at the list: what is there now is no longer new. */
  markSeen(): string {
    const entries = this.scan();
    // Not the clock alone: a file's mtime may be ahead of it (copied in with its own time).
    this.seenAtMs = Math.max(this.now(), ...entries.map((e) => e.atMs));
    writeFileSync(`${this.seenPath}.tmp`, JSON.stringify({ seenAt: this.seenAtMs }) + '\n');
    renameSync(`${this.seenPath}.tmp`, this.seenPath);
    this.cache = undefined;
    return new Date(this.seenAtMs).toISOString();
  }
}

function readSeen(path: string): number {
  try {
    const v = (JSON.parse(readFileSync(path, 'utf8')) as { seenAt?: unknown }).seenAt;
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

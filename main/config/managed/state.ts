// The ministry configuration kept on disk under <dataDir>/managed/ (docs/managed-config.md §5):
//   current.json             the last good signed document and when/how it was applied
//   pending.json             a document imported while the agent was not running (applied at start)
//   pending.refused.json     the last pending document that was refused at start, for the operator
//   profile-pack-v<N>.json   the profile pack in force when document N changed it
// Every file is replaced atomically (write, fsync, rename), so a crash leaves the old or the new
// file, never half of one. Replays and rollbacks are refused against the highest version ever
// applied, which the store also keeps (a restored old current.json cannot lower it).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfilePack } from '../../../connectors/formats/types.js';
import type { SignedDocument } from './signing.js';

export const ApplySource = {
  /** Fetched from managed.url. */
  poll: 'poll',
  /** Imported by file (CLI or UI) into the running agent. */
  import: 'import',
  /** Imported while the agent was stopped; applied at its start. */
  pending: 'pending',
} as const;
export type ApplySource = (typeof ApplySource)[keyof typeof ApplySource];

export interface AppliedDocument {
  version: number;
  /** sha256 of the signed bytes. */
  digest: string;
  keyId: string;
  source: ApplySource;
  appliedAt: string;
  signed: SignedDocument;
}

export class ManagedStateError extends Error {
  override name = 'ManagedStateError';
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class ManagedStateFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'managed');
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  get currentPath(): string {
    return join(this.dir, 'current.json');
  }

  get pendingPath(): string {
    return join(this.dir, 'pending.json');
  }

  readCurrent(): AppliedDocument | undefined {
    if (!existsSync(this.currentPath)) return undefined;
    try {
      const doc = JSON.parse(readFileSync(this.currentPath, 'utf8')) as AppliedDocument;
      if (!Number.isSafeInteger(doc.version) || typeof doc.signed?.payload !== 'string') throw new Error('missing version or signed document');
      return doc;
    } catch (err) {
      throw new ManagedStateError(`${this.currentPath} is damaged (${(err as Error).message}); the local configuration is used until the next ministry document`);
    }
  }

  writeCurrent(doc: AppliedDocument): void {
    this.ensureDir();
    writeAtomic(this.currentPath, JSON.stringify(doc, null, 2) + '\n');
  }

  /** No document in force any more (used to undo a write whose store transaction failed). */
  clearCurrent(): void {
    rmSync(this.currentPath, { force: true });
  }

  readPending(): string | undefined {
    return existsSync(this.pendingPath) ? readFileSync(this.pendingPath, 'utf8') : undefined;
  }

  writePending(signedText: string): void {
    this.ensureDir();
    writeAtomic(this.pendingPath, signedText);
  }

  /** A pending document is consumed once: applied, or kept aside as refused for the operator. */
  clearPending(refused: boolean): void {
    if (!existsSync(this.pendingPath)) return;
    if (refused) renameSync(this.pendingPath, join(this.dir, 'pending.refused.json'));
    else rmSync(this.pendingPath);
  }

  packPath(version: number): string {
    return join(this.dir, `profile-pack-v${version}.json`);
  }

  writePack(version: number, pack: ProfilePack): void {
    this.ensureDir();
    writeAtomic(this.packPath(version), JSON.stringify(pack, null, 2) + '\n');
  }

  /** Removes packs of documents no longer in force. */
  prunePacks(keepVersion: number | undefined): void {
    if (!existsSync(this.dir)) return;
    for (const f of readdirSync(this.dir)) {
      const m = /^profile-pack-v(\d+)\.json$/.exec(f);
      if (m && Number(m[1]) !== keepVersion) rmSync(join(this.dir, f), { force: true });
    }
  }
}

export type VersionVerdict = { ok: true; alreadyInForce: boolean } | { ok: false; reason: string };

/**
 * Versions only go forward: a document is accepted when its version is above every version
 * applied before. The document in force seen again (same version, same bytes) is no change.
 */
export function checkVersion(candidate: { version: number; digest: string }, current: { version: number; digest: string } | undefined, highestApplied: number): VersionVerdict {
  if (current && candidate.version === current.version && candidate.digest === current.digest) return { ok: true, alreadyInForce: true };
  const floor = Math.max(current?.version ?? 0, highestApplied);
  if (candidate.version <= floor) {
    return {
      ok: false,
      reason:
        candidate.version === floor
          ? `version ${candidate.version} was already applied with other content: a document must carry a new, higher version`
          : `version ${candidate.version} is older than version ${floor} already applied: a replayed or rolled-back document is refused`,
    };
  }
  return { ok: true, alreadyInForce: false };
}

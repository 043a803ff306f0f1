// Detached signatures of app update artifacts (DESIGN §7, docs/security.md). Every installer
// or package the update feed offers has `<file>.sig` beside it: the ministry's signed-document
// envelope (main/config/managed/signing.ts, same Ed25519 key scheme and pinned key) whose
// payload is a statement naming the artifact's version, size and sha512, and whether it is
// offered as a rollback. The shell checks it against the downloaded bytes before installing,
// on every platform — also where the OS has its own check (Authenticode on Windows) and where
// it has none (AppImage, deb). Plain Node: tested without Electron.
import { createReadStream } from 'node:fs';
import { createHash, type KeyObject } from 'node:crypto';
import { parseSignedDocument, signDocument, SignatureError, verifySignedDocument, type SignedDocument } from '../config/managed/signing.js';
import { compareVersions, isVersion } from '../config/managed/versions.js';

/** Marks the payload as an artifact statement: a signed config document is never taken for one. */
export const ARTIFACT_STATEMENT_KIND = 'vhr-update-artifact/1';

export interface ArtifactStatement {
  kind: typeof ARTIFACT_STATEMENT_KIND;
  /** File name as published in the feed. */
  file: string;
  version: string;
  size: number;
  /** base64 of the sha512 of the file (the encoding electron-updater's feeds use). */
  sha512: string;
  /** Offered as a return to an earlier version: only such a statement allows a downgrade. */
  rollback: boolean;
}

export class ArtifactRejected extends Error {
  override name = 'ArtifactRejected';
}

export async function digestOfFile(path: string): Promise<{ sha512: string; size: number }> {
  const h = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha512: h.digest('base64'), size };
}

/** Signs an artifact for the feed (release pipeline, tools/release/signArtifacts.ts). */
export async function signArtifact(path: string, meta: { file: string; version: string; rollback?: boolean }, privateKey: KeyObject): Promise<SignedDocument> {
  if (!isVersion(meta.version)) throw new RangeError(`not a version: ${JSON.stringify(meta.version)}`);
  const statement: ArtifactStatement = { kind: ARTIFACT_STATEMENT_KIND, file: meta.file, version: meta.version, ...(await digestOfFile(path)), rollback: meta.rollback ?? false };
  return signDocument(Buffer.from(JSON.stringify(statement), 'utf8'), privateKey);
}

/** Where the signature of a feed file is published: `<file>.sig` beside it. */
export function signatureUrl(feedUrl: string, file: string): string {
  return new URL(`${file}.sig`, feedUrl.endsWith('/') ? feedUrl : `${feedUrl}/`).toString();
}

function parseStatement(bytes: Buffer): ArtifactStatement {
  let s: Partial<ArtifactStatement>;
  try {
    s = JSON.parse(bytes.toString('utf8')) as Partial<ArtifactStatement>;
  } catch {
    throw new ArtifactRejected('the signed statement is not JSON');
  }
  if (s?.kind !== ARTIFACT_STATEMENT_KIND) throw new ArtifactRejected(`the signed document is not an update artifact statement (kind ${JSON.stringify(s?.kind)})`);
  if (typeof s.version !== 'string' || !isVersion(s.version) || typeof s.sha512 !== 'string' || typeof s.size !== 'number' || typeof s.file !== 'string' || typeof s.rollback !== 'boolean') {
    throw new ArtifactRejected('the signed statement lacks file, version, size, sha512 or rollback');
  }
  return s as ArtifactStatement;
}

/**
 * Checks a downloaded artifact before it is installed: the signature is the pinned ministry
 * key's, the bytes are the signed ones, the version is the one the feed announced, and it is
 * newer than the running version — or, for an older version, signed as a rollback.
 * Returns the statement; throws ArtifactRejected saying why otherwise.
 */
export async function verifyArtifact(opts: { path: string; signatureText: string; publicKey: KeyObject; version: string; currentVersion: string }): Promise<ArtifactStatement> {
  let bytes: Buffer;
  try {
    bytes = verifySignedDocument(parseSignedDocument(opts.signatureText), opts.publicKey);
  } catch (err) {
    if (err instanceof SignatureError) throw new ArtifactRejected(`signature refused: ${err.message}`);
    throw err;
  }
  const statement = parseStatement(bytes);
  if (statement.version !== opts.version) throw new ArtifactRejected(`the signature is for version ${statement.version}, but the download is announced as ${opts.version}`);
  const actual = await digestOfFile(opts.path);
  if (actual.size !== statement.size || actual.sha512 !== statement.sha512) {
    throw new ArtifactRejected(`the downloaded file (${actual.size} bytes) is not the signed ${statement.file} (${statement.size} bytes): altered or substituted`);
  }
  const order = compareVersions(statement.version, opts.currentVersion);
  if (order === 0) throw new ArtifactRejected(`version ${statement.version} is already running`);
  if (order < 0 && !statement.rollback) {
    throw new ArtifactRejected(`version ${statement.version} is older than the running ${opts.currentVersion} and is not signed as a rollback: downgrade refused`);
  }
  return statement;
}

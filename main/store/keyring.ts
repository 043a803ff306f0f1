// Where the data keys live. Headless: `<dataDir>/keys.json`, mode 0600, readable by the
// agent's account only — or one key given by environment reference. In the desktop app the
// same file is wrapped by the OS (Electron safeStorage: DPAPI, Keychain, libsecret) through
// the `protect`/`unprotect` hooks, so the file copied alone is useless.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PayloadCipher, type DataKey } from './payloadCipher.js';

export interface KeyringFile {
  version: 1;
  current: number;
  keys: { id: number; key: string; createdAt: string }[];
}

export interface KeyringOptions {
  path: string;
  /** Wraps the keyring's bytes with an OS facility (Electron safeStorage). */
  protect?: (plain: Buffer) => Buffer;
  unprotect?: (wrapped: Buffer) => Buffer;
  /** A base64 256-bit key from the environment instead of a file (id 1, no rotation). */
  envKey?: string;
  now?: () => Date;
}

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

const WRAPPED_MAGIC = 'vhr-keyring-protected:';

function readKeyring(opts: KeyringOptions): KeyringFile | null {
  if (!existsSync(opts.path)) return null;
  if (process.platform !== 'win32' && (statSync(opts.path).mode & 0o077) !== 0) {
    throw new KeyringError(`${opts.path} can be read by other accounts; run: chmod 600 ${opts.path}`);
  }
  let text = readFileSync(opts.path, 'utf8');
  if (text.startsWith(WRAPPED_MAGIC)) {
    if (!opts.unprotect) throw new KeyringError(`${opts.path} is protected by the desktop app's OS key store; open it with the app`);
    text = opts.unprotect(Buffer.from(text.slice(WRAPPED_MAGIC.length), 'base64')).toString('utf8');
  }
  const doc = JSON.parse(text) as KeyringFile;
  if (doc.version !== 1 || !Array.isArray(doc.keys) || !doc.keys.some((k) => k.id === doc.current)) {
    throw new KeyringError(`${opts.path} is not a valid keyring`);
  }
  return doc;
}

function writeKeyring(opts: KeyringOptions, doc: KeyringFile): void {
  mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
  const json = JSON.stringify(doc, null, 2);
  const body = opts.protect ? WRAPPED_MAGIC + opts.protect(Buffer.from(json, 'utf8')).toString('base64') : json;
  const tmp = `${opts.path}.tmp`;
  writeFileSync(tmp, body, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, opts.path);
}

function newKey(id: number, now: Date): KeyringFile['keys'][number] {
  return { id, key: randomBytes(32).toString('base64'), createdAt: now.toISOString() };
}

function toDataKeys(doc: KeyringFile): DataKey[] {
  return doc.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
}

/** Opens the keyring (creating it with one fresh key on first start) and returns the cipher. */
export function openKeyring(opts: KeyringOptions, encrypting = true): PayloadCipher {
  if (opts.envKey !== undefined) {
    const key = Buffer.from(opts.envKey, 'base64');
    if (key.length !== 32) throw new KeyringError('the data key from the environment must be 32 bytes in base64 (openssl rand -base64 32)');
    return new PayloadCipher([{ id: 1, key }], 1, encrypting);
  }
  let doc = readKeyring(opts);
  if (!doc) {
    doc = { version: 1, current: 1, keys: [newKey(1, (opts.now ?? (() => new Date()))())] };
    writeKeyring(opts, doc);
  }
  return new PayloadCipher(toDataKeys(doc), doc.current, encrypting);
}

/** Adds a new current key; old keys stay until no payload uses them (see dropUnusedKeys). */
export function rotateKey(opts: KeyringOptions): number {
  if (opts.envKey !== undefined) throw new KeyringError('a key given by environment variable is rotated by giving another one; file keyrings rotate here');
  const doc = readKeyring(opts);
  if (!doc) throw new KeyringError(`no keyring at ${opts.path}`);
  const id = Math.max(...doc.keys.map((k) => k.id)) + 1;
  doc.keys.push(newKey(id, (opts.now ?? (() => new Date()))()));
  doc.current = id;
  writeKeyring(opts, doc);
  return id;
}

/** Removes keys no stored payload needs any more (never the current one, nor the blind-index key). */
export function dropUnusedKeys(opts: KeyringOptions, inUse: ReadonlySet<number>): number[] {
  const doc = readKeyring(opts);
  if (!doc) return [];
  const indexKeyId = Math.min(...doc.keys.map((k) => k.id));
  const dropped = doc.keys.filter((k) => k.id !== doc.current && k.id !== indexKeyId && !inUse.has(k.id)).map((k) => k.id);
  if (dropped.length) {
    // The blind-index key is kept but its bytes only derive search hashes from now on.
    doc.keys = doc.keys.filter((k) => !dropped.includes(k.id));
    writeKeyring(opts, doc);
  }
  return dropped;
}

// Ed25519 signing of ministry config documents (DESIGN §7). The signature covers the exact
// bytes of the JSON document, carried base64-encoded inside a small envelope, so that no
// re-serialisation (key order, spaces, Unicode escapes) can ever change what was signed.
//
// Envelope (docs/managed-config.md §2):
//   { "format": "vhr-managed-config/1", "keyId": "<sha256 hex of the public key, SPKI DER>",
//     "payload": "<base64 of the document bytes>", "signature": "<base64 Ed25519 signature of those bytes>" }
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export const SIGNED_FORMAT = 'vhr-managed-config/1';

export interface SignedDocument {
  format: typeof SIGNED_FORMAT;
  keyId: string;
  payload: string;
  signature: string;
}

/** Why a signed document was not accepted, as a stable code plus plain words. */
export class SignatureError extends Error {
  constructor(
    readonly code: 'NOT_SIGNED_DOCUMENT' | 'KEY_MISMATCH' | 'SIGNATURE_INVALID' | 'KEY_UNREADABLE',
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

export function generateSigningKeys(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Fingerprint of a public key: sha256 of its SPKI DER encoding, lowercase hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

function ensureEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new SignatureError('KEY_UNREADABLE', `${what} is a ${key.asymmetricKeyType} key; an Ed25519 key is required`);
  return key;
}

export function parsePrivateKey(pem: string): KeyObject {
  try {
    return ensureEd25519(createPrivateKey(pem), 'the signing key');
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    throw new SignatureError('KEY_UNREADABLE', `the signing key is not a PEM private key (${(err as Error).message})`);
  }
}

export function parsePublicKey(pem: string): KeyObject {
  try {
    return ensureEd25519(createPublicKey(pem), 'the public key');
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    throw new SignatureError('KEY_UNREADABLE', `the public key is not a PEM public key (${(err as Error).message})`);
  }
}

/**
 * The pinned key of config `managed.publicKey`: PEM text, or the path of a PEM file
 * (absolute, or relative to `baseDir`).
 */
export function loadPinnedPublicKey(setting: string, baseDir = process.cwd()): KeyObject {
  const text = setting.trim();
  if (text.startsWith('-----BEGIN')) return parsePublicKey(text);
  const path = text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text) ? text : `${baseDir}/${text}`;
  if (!existsSync(path)) throw new SignatureError('KEY_UNREADABLE', `managed.publicKey: no such file ${path} (give the PEM text or the path of ministry.pub)`);
  return parsePublicKey(readFileSync(path, 'utf8'));
}

/** Signs the exact bytes of a document. */
export function signDocument(documentBytes: Buffer, privateKey: KeyObject): SignedDocument {
  const publicKey = createPublicKey(privateKey);
  return {
    format: SIGNED_FORMAT,
    keyId: keyIdOf(publicKey),
    payload: documentBytes.toString('base64'),
    signature: sign(null, documentBytes, privateKey).toString('base64'),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads an envelope from its JSON text; throws SignatureError naming what is wrong. */
export function parseSignedDocument(text: string): SignedDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new SignatureError('NOT_SIGNED_DOCUMENT', `not a signed config document: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SignatureError('NOT_SIGNED_DOCUMENT', 'not a signed config document: not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.format !== SIGNED_FORMAT) {
    throw new SignatureError('NOT_SIGNED_DOCUMENT', `not a signed config document: "format" must be "${SIGNED_FORMAT}", got ${JSON.stringify(d.format)}`);
  }
  for (const key of ['keyId', 'payload', 'signature'] as const) {
    if (typeof d[key] !== 'string' || d[key] === '') throw new SignatureError('NOT_SIGNED_DOCUMENT', `not a signed config document: "${key}" must be a non-empty string`);
  }
  for (const key of ['payload', 'signature'] as const) {
    if (!BASE64.test(d[key] as string)) throw new SignatureError('NOT_SIGNED_DOCUMENT', `not a signed config document: "${key}" is not base64`);
  }
  return { format: SIGNED_FORMAT, keyId: d.keyId as string, payload: d.payload as string, signature: d.signature as string };
}

/**
 * Verifies an envelope against the pinned key and returns the signed bytes. The key id is
 * checked first only to give a clearer reason; the signature is what decides.
 */
export function verifySignedDocument(envelope: SignedDocument, publicKey: KeyObject): Buffer {
  const pinnedId = keyIdOf(publicKey);
  if (envelope.keyId !== pinnedId) {
    throw new SignatureError('KEY_MISMATCH', `signed with another key (keyId ${envelope.keyId.slice(0, 16)}…), not the pinned ministry key (keyId ${pinnedId.slice(0, 16)}…)`);
  }
  const bytes = Buffer.from(envelope.payload, 'base64');
  const signature = Buffer.from(envelope.signature, 'base64');
  if (signature.length !== 64 || !verify(null, bytes, publicKey, signature)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the signature does not match the document: it was altered after signing, or not signed with the pinned ministry key');
  }
  return bytes;
}

/** sha256 of the signed bytes: identifies one document in the audit log and in state. */
export function payloadDigest(envelope: SignedDocument): string {
  return createHash('sha256').update(Buffer.from(envelope.payload, 'base64')).digest('hex');
}

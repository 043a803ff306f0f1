import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeys, keyIdOf, loadPinnedPublicKey, parsePrivateKey, parseSignedDocument, payloadDigest, SignatureError, signDocument, verifySignedDocument } from './signing.js';
import { tempDir } from '../../../test/support/tempDir.js';

const keys = generateSigningKeys();
const pub = createPublicKey(keys.publicKeyPem);
const bytes = Buffer.from('{ "version": 7,\n  "note": "Sở Y tế — thay đổi" }\n');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as SignatureError).code;
  }
  return 'no error';
}

describe('signed config documents', () => {
  it('signs the exact bytes and verifies them back unchanged', () => {
    const env = signDocument(bytes, createPrivateKey(keys.privateKeyPem));
    expect(env.format).toBe('vhr-managed-config/1');
    expect(env.keyId).toBe(keys.keyId);
    expect(env.keyId).toMatch(/^[0-9a-f]{64}$/);
    const reparsed = parseSignedDocument(JSON.stringify(env, null, 4));
    expect(verifySignedDocument(reparsed, pub).equals(bytes)).toBe(true);
    expect(payloadDigest(env)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses altered bytes, another key, a forged key id and a damaged envelope', () => {
    const env = signDocument(bytes, createPrivateKey(keys.privateKeyPem));
    const altered = { ...env, payload: Buffer.from(bytes.toString().replace('7', '8')).toString('base64') };
    expect(code(() => verifySignedDocument(altered, pub))).toBe('SIGNATURE_INVALID');
    const other = generateSigningKeys();
    const byOther = signDocument(bytes, createPrivateKey(other.privateKeyPem));
    expect(code(() => verifySignedDocument(byOther, pub))).toBe('KEY_MISMATCH');
    expect(code(() => verifySignedDocument({ ...byOther, keyId: keys.keyId }, pub))).toBe('SIGNATURE_INVALID');
    expect(code(() => parseSignedDocument('{"format":"other"}'))).toBe('NOT_SIGNED_DOCUMENT');
    expect(code(() => parseSignedDocument('not json'))).toBe('NOT_SIGNED_DOCUMENT');
    expect(code(() => parseSignedDocument(JSON.stringify({ ...env, signature: 'not base64!' })))).toBe('NOT_SIGNED_DOCUMENT');
  });

  it('accepts only Ed25519 keys, pinned as PEM text or as a file path', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(code(() => parsePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('KEY_UNREADABLE');
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, 'ministry.pub'), keys.publicKeyPem);
      expect(keyIdOf(loadPinnedPublicKey(join(tmp.path, 'ministry.pub')))).toBe(keys.keyId);
      expect(keyIdOf(loadPinnedPublicKey('ministry.pub', tmp.path))).toBe(keys.keyId);
      expect(keyIdOf(loadPinnedPublicKey(keys.publicKeyPem))).toBe(keys.keyId);
      expect(code(() => loadPinnedPublicKey(join(tmp.path, 'missing.pub')))).toBe('KEY_UNREADABLE');
    } finally {
      tmp.cleanup();
    }
  });
});

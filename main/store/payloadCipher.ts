// Encryption at rest of patient payloads (DESIGN §9; Law 91/2025): raw inputs, FHIR bundles
// and record issues are sealed with AES-256-GCM before they reach SQLite, so a copied
// database file alone reveals no patient data. Search fields are kept as keyed hashes
// (blind indexes): an officer can still find a record by CCCD, MA_BN or a name word.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** "VE" + format version 1. Payloads without it are plaintext (encryption off, or written before). */
const MAGIC = Buffer.from([0x56, 0x45, 0x01]);
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 2 + IV_BYTES + TAG_BYTES;

export interface DataKey {
  id: number;
  key: Buffer;
}

export class PayloadCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadCipherError';
  }
}

export class PayloadCipher {
  private readonly keys: Map<number, Buffer>;
  private readonly indexKey: Buffer;

  /**
   * `keys` holds every key still needed to read; `currentId` seals new payloads. The blind
   * index key is derived from the first key ever made, so hashes stay stable across rotations.
   */
  constructor(
    keys: readonly DataKey[],
    private readonly currentId: number,
    readonly encrypting: boolean,
    indexKeyId = Math.min(...keys.map((k) => k.id)),
  ) {
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    for (const k of keys) if (k.key.length !== 32) throw new PayloadCipherError(`data key ${k.id} is not 256 bits`);
    if (!this.keys.has(currentId)) throw new PayloadCipherError(`the current data key ${currentId} is missing`);
    this.indexKey = createHmac('sha256', this.keys.get(indexKeyId)!).update('vhr-agent blind index v1').digest();
  }

  get currentKeyId(): number {
    return this.currentId;
  }

  seal(plain: Buffer): Buffer {
    if (!this.encrypting) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const keyId = Buffer.alloc(2);
    keyId.writeUInt16BE(this.currentId);
    return Buffer.concat([MAGIC, keyId, iv, cipher.getAuthTag(), body]);
  }

  sealText(text: string): Buffer {
    return this.seal(Buffer.from(text, 'utf8'));
  }

  /** Key id of a sealed payload, or null for plaintext. */
  static keyIdOf(data: Buffer): number | null {
    return data.length >= HEADER_BYTES && data.subarray(0, MAGIC.length).equals(MAGIC) ? data.readUInt16BE(MAGIC.length) : null;
  }

  open(data: Buffer): Buffer {
    const keyId = PayloadCipher.keyIdOf(data);
    if (keyId === null) return data;
    const key = this.keys.get(keyId);
    if (!key) throw new PayloadCipherError(`payload sealed with data key ${keyId}, which this installation does not have`);
    const ivAt = MAGIC.length + 2;
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(ivAt, ivAt + IV_BYTES));
    decipher.setAuthTag(data.subarray(ivAt + IV_BYTES, HEADER_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCipherError('a stored payload failed its integrity check (wrong key or damaged data)');
    }
  }

  openText(data: Buffer | string): string {
    return typeof data === 'string' ? data : this.open(data).toString('utf8');
  }

  /** Keyed hash of a search value: equal inputs give equal hashes; the value cannot be read back. */
  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url').slice(0, 22);
  }
}

/** A cipher that stores plaintext, for tools that read an unencrypted database. */
export function plaintextCipher(): PayloadCipher {
  return new PayloadCipher([{ id: 1, key: Buffer.alloc(32) }], 1, false);
}

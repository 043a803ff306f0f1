// Encryption at rest of patient payloads (DESIGN §9; Law 91/2025): raw inputs, FHIR bundles
// and record issues are sealed with AES-256-GCM before they reach SQLite, so a copied
// database file alone reveals no patient data. Search fields are kept as keyed hashes
// (blind indexes): an officer can still find a record by CCCD, MA_BN or a name word.
//
// FHIR bundles are also deflated before sealing: JSON of a claim record shrinks about 13×, and
// every byte not written is a byte no fsync has to wait for (an MLLP ACK shares the disk).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** "VE" + format version 1. Payloads without it are plaintext (encryption off, or written before). */
const MAGIC = Buffer.from([0x56, 0x45, 0x01]);
/** "VE" + version 2: as version 1, the sealed body being deflated (raw DEFLATE). */
const MAGIC_DEFLATED = Buffer.from([0x56, 0x45, 0x02]);
/** "VZ" + version 1: deflated, not sealed (encryption off). */
const PLAIN_DEFLATED = Buffer.from([0x56, 0x5a, 0x01]);
/** Speed over the last few percent: level 1 already gives ~13× on bundles at ~1 ms per 300 KB. */
const DEFLATE_LEVEL = 1;
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

/** A cipher's keys as plain data, for a thread of this process (never written anywhere). */
export interface CipherKeys {
  keys: { id: number; key: Uint8Array }[];
  currentId: number;
  encrypting: boolean;
  indexKeyId: number;
}

export class PayloadCipher {
  private readonly keys: Map<number, Buffer>;
  private readonly indexKey: Buffer;
  private readonly indexKeyId: number;

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
    this.indexKeyId = indexKeyId;
    for (const k of keys) if (k.key.length !== 32) throw new PayloadCipherError(`data key ${k.id} is not 256 bits`);
    if (!this.keys.has(currentId)) throw new PayloadCipherError(`the current data key ${currentId} is missing`);
    this.indexKey = createHmac('sha256', this.keys.get(indexKeyId)!).update('vhr-agent blind index v1').digest();
  }

  /** The same cipher on another thread (the MLLP intake thread seals what it stores). */
  static fromKeys(k: CipherKeys): PayloadCipher {
    return new PayloadCipher(
      k.keys.map(({ id, key }) => ({ id, key: Buffer.from(key) })),
      k.currentId,
      k.encrypting,
      k.indexKeyId,
    );
  }

  keysForThread(): CipherKeys {
    return { keys: [...this.keys].map(([id, key]) => ({ id, key: new Uint8Array(key) })), currentId: this.currentId, encrypting: this.encrypting, indexKeyId: this.indexKeyId };
  }

  get currentKeyId(): number {
    return this.currentId;
  }

  seal(plain: Buffer): Buffer {
    return this.sealAs(MAGIC, plain);
  }

  /** Deflated, then sealed (or only deflated when encryption is off); `open` gives the original bytes. */
  sealDeflated(plain: Buffer): Buffer {
    const deflated = deflateRawSync(plain, { level: DEFLATE_LEVEL });
    return this.encrypting ? this.sealAs(MAGIC_DEFLATED, deflated) : Buffer.concat([PLAIN_DEFLATED, deflated]);
  }

  private sealAs(magic: Buffer, plain: Buffer): Buffer {
    if (!this.encrypting) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const keyId = Buffer.alloc(2);
    keyId.writeUInt16BE(this.currentId);
    return Buffer.concat([magic, keyId, iv, cipher.getAuthTag(), body]);
  }

  sealText(text: string): Buffer {
    return this.seal(Buffer.from(text, 'utf8'));
  }

  /** The same payload sealed with the current key (or in clear when encryption is off), deflated if it was. */
  reseal(data: Buffer): Buffer {
    const deflated = startsWith(data, MAGIC_DEFLATED) || startsWith(data, PLAIN_DEFLATED);
    const plain = this.open(data);
    return deflated ? this.sealDeflated(plain) : this.seal(plain);
  }

  /** Key id of a sealed payload, or null for plaintext. */
  static keyIdOf(data: Buffer): number | null {
    return data.length >= HEADER_BYTES && (startsWith(data, MAGIC) || startsWith(data, MAGIC_DEFLATED)) ? data.readUInt16BE(MAGIC.length) : null;
  }

  open(data: Buffer): Buffer {
    if (startsWith(data, PLAIN_DEFLATED)) return inflate(data.subarray(PLAIN_DEFLATED.length));
    const keyId = PayloadCipher.keyIdOf(data);
    if (keyId === null) return data;
    const key = this.keys.get(keyId);
    if (!key) throw new PayloadCipherError(`payload sealed with data key ${keyId}, which this installation does not have`);
    const ivAt = MAGIC.length + 2;
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(ivAt, ivAt + IV_BYTES));
    decipher.setAuthTag(data.subarray(ivAt + IV_BYTES, HEADER_BYTES));
    let body: Buffer;
    try {
      body = Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCipherError('a stored payload failed its integrity check (wrong key or damaged data)');
    }
    return startsWith(data, MAGIC_DEFLATED) ? inflate(body) : body;
  }

  openText(data: Buffer | string): string {
    return typeof data === 'string' ? data : this.open(data).toString('utf8');
  }

  /** Keyed hash of a search value: equal inputs give equal hashes; the value cannot be read back. */
  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url').slice(0, 22);
  }
}

const startsWith = (data: Buffer, magic: Buffer): boolean => data.length >= magic.length && data.subarray(0, magic.length).equals(magic);

function inflate(deflated: Buffer): Buffer {
  try {
    return inflateRawSync(deflated);
  } catch {
    throw new PayloadCipherError('a stored payload cannot be inflated (damaged data)');
  }
}

/** A cipher that stores plaintext, for tools that read an unencrypted database. */
export function plaintextCipher(): PayloadCipher {
  return new PayloadCipher([{ id: 1, key: Buffer.alloc(32) }], 1, false);
}

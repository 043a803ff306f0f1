// Encryption at rest of patient payloads (DESIGN §9; Law 91/2025): raw inputs, FHIR bundles
// and record issues are sealed with AES-256-GCM before they reach SQLite, so a copied
// database file alone reveals no patient data. Search fields are kept as keyed hashes
// (blind indexes): an officer can still find a record by CCCD, MA_BN or a name word.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** "VE" + format version 1. Payloads without it are plaintext (encryption off, or written before). */
const MAGIC = Buffer.from([0x56, 0x45, 0x01]);
/**
 * Format version 2, for payloads sealed from chunks (sealChunks): the same header, and a body
 * that is a run of frames, each [plain length u32][deflated length u32][raw deflate] of at most
 * FRAME_PLAIN_BYTES, all under one AES-256-GCM. A very large claim record (base64 of XML)
 * shrinks several times, and SQLite, which copies a bound value twice on insert (the bound
 * copy, then the row it builds), then copies that much less: this is what keeps the intake of
 * one 200 MB record under twice its size in memory (DESIGN §4.2, bench/bigFile.ts).
 */
const MAGIC_FRAMED = Buffer.from([0x56, 0x45, 0x02]);
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 2 + IV_BYTES + TAG_BYTES;
const FRAME_PLAIN_BYTES = 1024 * 1024;
/**
 * Whole payloads this large are sealed in format 2 too (a huge record's bundle, or its raw bytes
 * sealed again under a new key), so that they stay as small in the store as at intake.
 */
export const FRAMED_FROM_BYTES = 4 * 1024 * 1024;
const FRAME_HEADER_BYTES = 8;

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
    if (!this.encrypting) return plain;
    if (plain.length >= FRAMED_FROM_BYTES) return this.sealDeflated(plain);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const keyId = Buffer.alloc(2);
    keyId.writeUInt16BE(this.currentId);
    return Buffer.concat([MAGIC, keyId, iv, cipher.getAuthTag(), body]);
  }

  /**
   * Seals bytes given as chunks (RawChunks) without joining them: framed and deflated
   * (format 2) when encrypting; joined as they are when not (plaintext is stored as is).
   */
  sealChunks(chunks: Iterable<Uint8Array>): Buffer {
    if (!this.encrypting) return Buffer.concat(Array.from(chunks, (c) => Buffer.from(c)));
    return this.sealFrames((sealFrame) => {
      // Chunks may be views of a buffer their producer reuses (RawChunks): copied into the frame.
      const frame = Buffer.allocUnsafe(FRAME_PLAIN_BYTES);
      let filled = 0;
      for (const chunk of chunks) {
        let at = 0;
        while (at < chunk.length) {
          const take = Math.min(chunk.length - at, FRAME_PLAIN_BYTES - filled);
          frame.set(chunk.subarray(at, at + take), filled);
          filled += take;
          at += take;
          if (filled === FRAME_PLAIN_BYTES) {
            sealFrame(frame);
            filled = 0;
          }
        }
      }
      if (filled > 0) sealFrame(frame.subarray(0, filled));
    });
  }

  /** Format 2 around whatever frames `produce` hands to `sealFrame`, in order. */
  private sealFrames(produce: (sealFrame: (plain: Buffer) => void) => void): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const body: Buffer[] = [];
    produce((plain) => {
      const deflated = deflateRawSync(plain, { level: 1 });
      const head = Buffer.alloc(FRAME_HEADER_BYTES);
      head.writeUInt32BE(plain.length, 0);
      head.writeUInt32BE(deflated.length, 4);
      body.push(cipher.update(head), cipher.update(deflated));
    });
    body.push(cipher.final());
    const keyId = Buffer.alloc(2);
    keyId.writeUInt16BE(this.currentId);
    return Buffer.concat([MAGIC_FRAMED, keyId, iv, cipher.getAuthTag(), ...body]);
  }

  /**
   * Sealed in format 2 whatever its size: FHIR bundles, whose JSON shrinks about 13×, so that
   * every commit and fsync that carries one writes that much less (DESIGN §4.1).
   */
  sealDeflated(plain: Buffer): Buffer {
    if (!this.encrypting) return plain;
    // A whole buffer nobody reuses: framed by views of it, no frame buffer to fill.
    return this.sealFrames((sealFrame) => {
      for (let at = 0; at < plain.length; at += FRAME_PLAIN_BYTES) sealFrame(plain.subarray(at, at + FRAME_PLAIN_BYTES));
    });
  }

  sealText(text: string): Buffer {
    return this.seal(Buffer.from(text, 'utf8'));
  }

  /** The same payload sealed with the current key (in clear when encryption is off), in format 2 if it was. */
  reseal(data: Buffer): Buffer {
    const plain = this.open(data);
    return PayloadCipher.keyIdOf(data) !== null && isFramed(data) ? this.sealDeflated(plain) : this.seal(plain);
  }

  /** Key id of a sealed payload, or null for plaintext. */
  static keyIdOf(data: Buffer): number | null {
    if (data.length < HEADER_BYTES) return null;
    const magic = data.subarray(0, MAGIC.length);
    return magic.equals(MAGIC) || magic.equals(MAGIC_FRAMED) ? data.readUInt16BE(MAGIC.length) : null;
  }

  open(data: Buffer): Buffer {
    const keyId = PayloadCipher.keyIdOf(data);
    if (keyId === null) return data;
    const key = this.keys.get(keyId);
    if (!key) throw new PayloadCipherError(`payload sealed with data key ${keyId}, which this installation does not have`);
    const ivAt = MAGIC.length + 2;
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(ivAt, ivAt + IV_BYTES));
    decipher.setAuthTag(data.subarray(ivAt + IV_BYTES, HEADER_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCipherError('a stored payload failed its integrity check (wrong key or damaged data)');
    }
    return isFramed(data) ? unframe(plain) : plain;
  }

  openText(data: Buffer | string): string {
    return typeof data === 'string' ? data : this.open(data).toString('utf8');
  }

  /** Keyed hash of a search value: equal inputs give equal hashes; the value cannot be read back. */
  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url').slice(0, 22);
  }
}

/** A sealed payload (keyIdOf not null) in format 2: its version byte says so. */
const isFramed = (sealed: Buffer): boolean => sealed[MAGIC.length - 1] === MAGIC_FRAMED[MAGIC.length - 1];

/** The bytes of a format-2 body (frames of deflated bytes), into one buffer of the right size. */
function unframe(body: Buffer): Buffer {
  const frames: { at: number; plain: number; deflated: number }[] = [];
  let total = 0;
  for (let at = 0; at < body.length; ) {
    if (body.length - at < FRAME_HEADER_BYTES) throw new PayloadCipherError('a stored payload is damaged (a frame header is cut short)');
    const plain = body.readUInt32BE(at);
    const deflated = body.readUInt32BE(at + 4);
    if (at + FRAME_HEADER_BYTES + deflated > body.length) throw new PayloadCipherError('a stored payload is damaged (a frame is cut short)');
    frames.push({ at: at + FRAME_HEADER_BYTES, plain, deflated });
    total += plain;
    at += FRAME_HEADER_BYTES + deflated;
  }
  const out = Buffer.allocUnsafe(total);
  let written = 0;
  for (const f of frames) {
    let bytes: Buffer;
    try {
      bytes = inflateRawSync(body.subarray(f.at, f.at + f.deflated), { maxOutputLength: Math.max(1, f.plain) });
    } catch {
      throw new PayloadCipherError('a stored payload is damaged (a frame does not inflate)');
    }
    if (bytes.length !== f.plain) throw new PayloadCipherError('a stored payload is damaged (a frame does not inflate to its length)');
    bytes.copy(out, written);
    written += bytes.length;
  }
  return out;
}

/** A cipher that stores plaintext, for tools that read an unencrypted database. */
export function plaintextCipher(): PayloadCipher {
  return new PayloadCipher([{ id: 1, key: Buffer.alloc(32) }], 1, false);
}

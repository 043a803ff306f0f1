import { createDecipheriv, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PayloadCipher, PayloadCipherError, plaintextCipher } from './payloadCipher.js';

const cipher = (id = 1, keys = [{ id: 1, key: Buffer.alloc(32, 7) }]) => new PayloadCipher(keys, id, true);

/** Bytes that compress (repeated text), as claim XML does, then bytes that do not. */
const payload = Buffer.concat([Buffer.from('<HOSO>' + 'PFRPTkdfSE9QPjxNQV9MSz4'.repeat(150_000)), randomBytes(1_500_000), Buffer.from('</HOSO>')]);

function* pieces(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('payloads sealed from chunks', () => {
  it('open to exactly the bytes given, whatever the chunk sizes', () => {
    const c = cipher();
    for (const size of [1_000, 65_536, 1_048_576, 3_000_001]) {
      const sealed = c.sealChunks(pieces(payload, size));
      expect(sealed.equals(payload)).toBe(false);
      expect(c.open(sealed).equals(payload)).toBe(true);
    }
    expect(c.open(c.sealChunks([])).length).toBe(0);
  });

  it('copy each chunk before the next one is asked for (a producer may reuse its buffer)', () => {
    const c = cipher();
    function* reused() {
      const scratch = Buffer.alloc(4096);
      for (let at = 0; at < payload.length; at += scratch.length) {
        const n = payload.copy(scratch, 0, at, at + scratch.length);
        yield scratch.subarray(0, n);
      }
    }
    expect(c.open(c.sealChunks(reused())).equals(payload)).toBe(true);
  });

  it('are deflated under the seal, and name the key that sealed them', () => {
    const c = cipher(2, [
      { id: 1, key: Buffer.alloc(32, 1) },
      { id: 2, key: Buffer.alloc(32, 2) },
    ]);
    const sealed = c.sealChunks(pieces(payload, 65_536));
    expect(sealed.length).toBeLessThan(payload.length / 2);
    expect(PayloadCipher.keyIdOf(sealed)).toBe(2);
    expect(PayloadCipher.keyIdOf(c.seal(payload))).toBe(2);
  });

  it('refuse a damaged payload or another key, in plain words', () => {
    const sealed = cipher().sealChunks(pieces(payload, 65_536));
    const damaged = Buffer.from(sealed);
    damaged[damaged.length - 10]! ^= 0xff;
    expect(() => cipher().open(damaged)).toThrow(PayloadCipherError);
    expect(() => cipher().open(damaged)).toThrow(/integrity check/);
    expect(() => cipher(1, [{ id: 1, key: Buffer.alloc(32, 9) }]).open(sealed)).toThrow(/integrity check/);
  });

  it('are what a whole payload of 4 MiB or more is sealed as; smaller ones keep format 1', () => {
    const c = cipher();
    const large = c.seal(payload);
    expect([...large.subarray(0, 3)]).toEqual([0x56, 0x45, 0x02]);
    expect(c.open(large).equals(payload)).toBe(true);
    const small = payload.subarray(0, 1_000_000);
    const sealed = c.seal(small);
    expect([...sealed.subarray(0, 3)]).toEqual([0x56, 0x45, 0x01]);
    expect(sealed.length).toBe(small.length + 33);
    expect(c.open(sealed).equals(small)).toBe(true);
  });

  it('are stored as they are when encryption is off', () => {
    const plain = plaintextCipher().sealChunks(pieces(payload, 100_000));
    expect(plain.equals(payload)).toBe(true);
    expect(PayloadCipher.keyIdOf(plain)).toBeNull();
  });
});

describe('bundles stored deflated', () => {
  const key1 = { id: 1, key: randomBytes(32) };
  const key2 = { id: 2, key: randomBytes(32) };
  const bundle = Buffer.from(
    JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 200 }, (_, i) => ({ resource: { resourceType: 'Observation', id: `obs-${i}`, status: 'final', valueQuantity: { value: i, unit: 'mmol/L' } } })) }),
  );

  it('whatever their size: stored far smaller, in format 2, opened byte-identical', () => {
    const c = new PayloadCipher([key1], 1, true);
    const stored = c.sealDeflated(bundle);
    expect(stored.length).toBeLessThan(bundle.length / 5);
    expect(stored.subarray(0, 3)).toEqual(Buffer.from([0x56, 0x45, 0x02]));
    expect(PayloadCipher.keyIdOf(stored)).toBe(1);
    expect(c.open(stored).equals(bundle)).toBe(true);
    // Read as the layout says (AES-256-GCM over frames [plain u32][deflated u32][raw deflate]), without the cipher's reader.
    const decipher = createDecipheriv('aes-256-gcm', key1.key, stored.subarray(5, 17));
    decipher.setAuthTag(stored.subarray(17, 33));
    const body = Buffer.concat([decipher.update(stored.subarray(33)), decipher.final()]);
    expect([body.readUInt32BE(0), body.readUInt32BE(4) + 8]).toEqual([bundle.length, body.length]);
    expect(inflateRawSync(body.subarray(8)).equals(bundle)).toBe(true);
  });

  it('re-sealing under a new key keeps a deflated payload deflated and a plain one plain', () => {
    const old = new PayloadCipher([key1], 1, true);
    const rotated = new PayloadCipher([key1, key2], 2, true);
    const deflated = rotated.reseal(old.sealDeflated(bundle));
    const plain = rotated.reseal(old.seal(bundle));
    expect([PayloadCipher.keyIdOf(deflated), deflated[2]]).toEqual([2, 0x02]);
    expect([PayloadCipher.keyIdOf(plain), plain[2]]).toEqual([2, 0x01]);
    expect(rotated.open(deflated).equals(bundle)).toBe(true);
    expect(rotated.open(plain).equals(bundle)).toBe(true);
  });

  it('the cipher handed to a thread seals and opens as the original', () => {
    const c = new PayloadCipher([key1, key2], 2, true, 1);
    const copy = PayloadCipher.fromKeys(structuredClone(c.keysForThread()));
    expect(copy.open(c.sealDeflated(bundle)).equals(bundle)).toBe(true);
    expect(c.open(copy.seal(bundle)).equals(bundle)).toBe(true);
    expect(copy.blindIndex('079188004321')).toBe(c.blindIndex('079188004321'));
  });
});

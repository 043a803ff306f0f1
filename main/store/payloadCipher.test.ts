import { describe, expect, it } from 'vitest';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { PayloadCipher, PayloadCipherError } from './payloadCipher.js';

const key1 = { id: 1, key: randomBytes(32) };
const key2 = { id: 2, key: randomBytes(32) };
const bundle = Buffer.from(
  JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 200 }, (_, i) => ({ resource: { resourceType: 'Observation', id: `obs-${i}`, status: 'final', valueQuantity: { value: i, unit: 'mmol/L' } } })) }),
);

describe('payload sealing', () => {
  it('deflates bundles before sealing: stored far smaller, opened byte-identical', () => {
    const c = new PayloadCipher([key1], 1, true);
    const stored = c.sealDeflated(bundle);
    expect(stored.length).toBeLessThan(bundle.length / 5);
    expect(stored.subarray(0, 3)).toEqual(Buffer.from([0x56, 0x45, 0x02]));
    expect(PayloadCipher.keyIdOf(stored)).toBe(1);
    expect(c.open(stored).equals(bundle)).toBe(true);
    // Read as the layout says (AES-256-GCM over raw DEFLATE), without the cipher's own reader.
    const decipher = createDecipheriv('aes-256-gcm', key1.key, stored.subarray(5, 17));
    decipher.setAuthTag(stored.subarray(17, 33));
    const body = Buffer.concat([decipher.update(stored.subarray(33)), decipher.final()]);
    expect(inflateRawSync(body).equals(bundle)).toBe(true);
  });

  it('with encryption off, deflates only, and the result carries no key id', () => {
    const c = new PayloadCipher([key1], 1, false);
    const stored = c.sealDeflated(bundle);
    expect(stored.subarray(0, 3)).toEqual(Buffer.from([0x56, 0x5a, 0x01]));
    expect(PayloadCipher.keyIdOf(stored)).toBeNull();
    expect(inflateRawSync(stored.subarray(3)).equals(bundle)).toBe(true);
    expect(c.open(stored).equals(bundle)).toBe(true);
  });

  it('re-sealing with a new key keeps a deflated payload deflated and a plain one plain', () => {
    const old = new PayloadCipher([key1], 1, true);
    const rotated = new PayloadCipher([key1, key2], 2, true);
    const deflated = rotated.reseal(old.sealDeflated(bundle));
    const plain = rotated.reseal(old.seal(bundle));
    expect([PayloadCipher.keyIdOf(deflated), deflated[2]]).toEqual([2, 0x02]);
    expect([PayloadCipher.keyIdOf(plain), plain[2]]).toEqual([2, 0x01]);
    expect(rotated.open(deflated).equals(bundle)).toBe(true);
    expect(rotated.open(plain).equals(bundle)).toBe(true);
  });

  it('a damaged deflated payload is refused with a plain reason', () => {
    const c = new PayloadCipher([key1], 1, false);
    const stored = c.sealDeflated(bundle);
    const damaged = Buffer.concat([stored.subarray(0, 3), Buffer.from([0xff, 0xff, 0xff, 0xff]), stored.subarray(7, 40)]);
    expect(() => c.open(damaged)).toThrow(PayloadCipherError);
    expect(() => c.open(damaged)).toThrow(/cannot be inflated/);
  });
});

// A store's words are kept capped, cleaned and sealed (DESIGN §9); plain ones written before
// are read as they are and counted as needing a seal.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PayloadCipher, plaintextCipher } from './payloadCipher.js';
import { keptText, MAX_KEPT_CHARS, openStoreText, resealStoreText, sealStoreText, storeTextKeyId, storeTextStale } from './storeWords.js';

const k1 = { id: 1, key: randomBytes(32) };
const k2 = { id: 2, key: randomBytes(32) };
const sealing = new PayloadCipher([k1], 1, true);

describe("a store's words at rest", () => {
  it('are capped and cleaned of control characters', () => {
    expect(keptText('a\u0000b\u001b[2Jc\td\ne')).toBe('a b [2Jc\td\ne');
    const long = keptText('x'.repeat(5000));
    expect(long).toHaveLength(MAX_KEPT_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(keptText('vhr-sealed:forged')).toBe(' vhr-sealed:forged');
  });

  it('are sealed when encryption is on, read back, and re-sealed with a newer key', () => {
    const stored = sealStoreText(sealing, 'Patient NGUYỄN VĂN AN exists')!;
    expect(stored.startsWith('vhr-sealed:')).toBe(true);
    expect(Buffer.from(stored).includes(Buffer.from('NGUYỄN'))).toBe(false);
    expect(storeTextKeyId(stored)).toBe(1);
    expect(openStoreText(sealing, stored)).toBe('Patient NGUYỄN VĂN AN exists');
    const rotated = new PayloadCipher([k1, k2], 2, true);
    expect(storeTextStale(rotated, stored)).toBe(true);
    const resealed = resealStoreText(rotated, stored)!;
    expect([storeTextKeyId(resealed), openStoreText(rotated, resealed)]).toEqual([2, 'Patient NGUYỄN VĂN AN exists']);
    // Plain text written before sealing existed is read as it is, and is stale for a sealing cipher.
    expect(openStoreText(sealing, 'old plain text')).toBe('old plain text');
    expect(storeTextStale(sealing, 'old plain text')).toBe(true);
    expect(storeTextStale(plaintextCipher(), 'old plain text')).toBe(false);
    expect(sealStoreText(plaintextCipher(), 'shown as is')).toBe('shown as is');
  });
});

// The bearer token is compared in constant time: whatever is presented (short, long, empty,
// a near miss), the comparison is one timingSafeEqual over two 32-byte digests, so neither the
// position of the first wrong byte nor a wrong length can be measured from outside.
import { describe, expect, it, vi } from 'vitest';

const compared: [number, number][] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const { tokenMatches } = await import('./server.js');

describe('token comparison', () => {
  it('always compares two fixed-size digests, never the raw strings', () => {
    const token = 'k'.repeat(43);
    const presented = ['', 'k', 'x'.repeat(43), `${'k'.repeat(42)}x`, token, 'k'.repeat(10_000)];
    const results = presented.map((p) => tokenMatches(p, token));
    expect(results).toEqual([false, false, false, false, true, false]);
    expect(compared).toEqual(Array(presented.length).fill([32, 32]));
  });
});

import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from './base64.js';

const ok = (text: string) => {
  const r = decodeBase64Strict(text);
  return r.ok ? r.bytes.toString('utf8') : `! ${r.message}`;
};

describe('decodeBase64Strict', () => {
  it('decodes base64 with and without padding, with whitespace anywhere', () => {
    expect(ok('SGVsbG8=')).toBe('Hello');
    expect(ok('SGVsbG8')).toBe('Hello');
    expect(ok('SGVs\n bG8h')).toBe('Hello!');
    expect(ok('VMOgaSBsaeG7h3U=')).toBe('Tài liệu');
    expect(ok('SGVs bG8=')).toBe('Hello');
    expect(ok('SGVsbG8= \r\n')).toBe('Hello');
    expect(ok('\tSGVsbG8h')).toBe('Hello!');
  });

  it('refuses what Node would silently skip or accept: other characters, base64url, misplaced or excess padding, truncation', () => {
    expect(ok('SGVs*bG8=')).toBe('! NOIDUNGFILE is not base64: character "*" at position 4');
    expect(ok('SGVs-bG8')).toBe('! NOIDUNGFILE is not base64: character "-" at position 4');
    expect(ok('SGVs_bG8')).toBe('! NOIDUNGFILE is not base64: character "_" at position 4');
    expect(ok('SG=VsbG8')).toBe('! NOIDUNGFILE is not base64: misplaced "=" padding');
    expect(ok('SGVsbG===')).toBe('! NOIDUNGFILE is not base64: misplaced "=" padding');
    expect(ok('SGVsbG8h=')).toBe('! NOIDUNGFILE base64 is truncated (9 characters, not a multiple of 4)');
    expect(ok('SGVsb')).toBe('! NOIDUNGFILE base64 is truncated (5 characters cannot encode whole bytes)');
    expect(ok(' \n')).toBe('! NOIDUNGFILE is empty');
    expect(ok('SG Vs*bG8=')).toBe('! NOIDUNGFILE is not base64: character "*" at position 4');
    expect(ok('==')).toBe('! NOIDUNGFILE base64 is truncated (2 characters, not a multiple of 4)');
  });
});

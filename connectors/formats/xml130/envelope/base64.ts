// NOIDUNGFILE holds base64 of a whole inner XML document. Node's decoder silently skips
// bad characters and truncation; a claim record must not be half-read, so we check first.

export type Base64Result = { ok: true; bytes: Buffer } | { ok: false; message: string };

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

export function decodeBase64Strict(text: string): Base64Result {
  const s = text.replace(/\s+/g, '');
  if (s.length === 0) return { ok: false, message: 'NOIDUNGFILE is empty' };
  const body = s.replace(/=+$/, '');
  const padding = s.length - body.length;
  if (padding > 2 || !BASE64_BODY.test(body)) {
    const bad = s.search(/[^A-Za-z0-9+/=]/);
    return {
      ok: false,
      message: bad >= 0 ? `NOIDUNGFILE is not base64: character ${JSON.stringify(s[bad])} at position ${bad}` : 'NOIDUNGFILE is not base64: misplaced "=" padding',
    };
  }
  if (s.length % 4 !== 0 && padding > 0) {
    return { ok: false, message: `NOIDUNGFILE base64 is truncated (${s.length} characters, not a multiple of 4)` };
  }
  if (body.length % 4 === 1) {
    return { ok: false, message: `NOIDUNGFILE base64 is truncated (${s.length} characters cannot encode whole bytes)` };
  }
  return { ok: true, bytes: Buffer.from(body, 'base64') };
}

// NOIDUNGFILE holds base64 of a whole inner XML document. Node's decoder silently skips
// bad characters and truncation; a claim record must not be half-read, so we check first.

export type Base64Result = { ok: true; bytes: Buffer } | { ok: false; message: string };

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

export function decodeBase64Strict(text: string): Base64Result {
  // The envelope reader already removed whitespace, so the content is first read as it is:
  // whitespace (a stored record written by hand) fails this quick read and is removed below.
  const quick = quickDecode(text);
  if (quick) return { ok: true, bytes: quick };
  const s = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  if (s.length === 0) return { ok: false, message: 'NOIDUNGFILE is empty' };
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d /* = */) end--;
  const body = end === s.length ? s : s.slice(0, end);
  const padding = s.length - body.length;
  if (s !== text) {
    const bytes = quickDecode(s);
    if (bytes) return { ok: true, bytes };
  }
  // Slow path: say exactly what is wrong.
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

/**
 * One native pass: Node's decoder skips or stops at anything outside the alphabet, so a body
 * decoding to exactly the bytes its length implies held only base64 characters — save "-" and
 * "_" (base64url), which it also accepts and we refuse. Undefined when that does not hold.
 */
function quickDecode(s: string): Buffer | undefined {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d /* = */) end--;
  const padding = s.length - end;
  if (end === 0 || padding > 2 || end % 4 === 1 || (padding > 0 && s.length % 4 !== 0)) return undefined;
  const body = padding === 0 ? s : s.slice(0, end);
  const bytes = Buffer.from(body, 'base64');
  return bytes.length === Math.floor((body.length * 3) / 4) && body.indexOf('-') < 0 && body.indexOf('_') < 0 ? bytes : undefined;
}

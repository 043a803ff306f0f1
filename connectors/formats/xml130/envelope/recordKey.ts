// The natural key of a claim record (DESIGN §4.3): facility MA_CSKCB + MA_LK, read from
// the record's XML1 (TONG_HOP) without a full conversion, so intake can dedupe and version.
import { decodeBase64Strict } from './base64.js';
import type { FileHoso } from './envelope.js';

export type ClaimKeyResult =
  | { ok: true; maCskcb: string | null; maLk: string; naturalKey: string }
  | { ok: false; code: string; message: string };

function firstElementText(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`).exec(xml);
  if (!m) return null;
  const v = (m[1] ?? m[2] ?? '').trim();
  return v === '' || v === 'null' || v === 'undefined' ? null : v;
}

export function claimRecordKey(files: readonly FileHoso[], envelopeFacility?: string): ClaimKeyResult {
  const xml1 = files.find((f) => f.loaiHoso === 'XML1');
  if (!xml1) return { ok: false, code: 'XML1_MISSING', message: 'the HOSO has no XML1 (TONG_HOP) table' };
  const decoded = decodeBase64Strict(xml1.noiDungFile);
  if (!decoded.ok) return { ok: false, code: 'BAD_BASE64', message: `XML1: ${decoded.message}` };
  const xml = decoded.bytes.toString('utf8');
  const maLk = firstElementText(xml, 'MA_LK');
  if (!maLk) return { ok: false, code: 'MA_LK_MISSING', message: 'XML1 has no MA_LK (the episode key)' };
  const maCskcb = firstElementText(xml, 'MA_CSKCB') ?? envelopeFacility ?? null;
  return { ok: true, maCskcb, maLk, naturalKey: `${maCskcb ?? ''}|${maLk}` };
}

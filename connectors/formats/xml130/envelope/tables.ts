// Decoding the tables of one stored HOSO: base64 (strict) → inner XML → rows. A table that
// cannot be read is reported and skipped; only XML1 is indispensable (see convert.ts).
import { decodeBase64Strict } from './base64.js';
import type { FileHoso } from './envelope.js';
import { parseInnerTable, type InnerTable } from './innerXml.js';

export type TableReadResult = { ok: true; table: InnerTable } | { ok: false; code: 'BAD_BASE64' | 'NOT_XML' | 'XML_REFUSED'; message: string };

export function readTable(file: FileHoso): TableReadResult {
  const decoded = decodeBase64Strict(file.noiDungFile);
  if (!decoded.ok) return { ok: false, code: 'BAD_BASE64', message: `${file.loaiHoso}: ${decoded.message}` };
  const parsed = parseInnerTable(decoded.bytes, file.loaiHoso);
  if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message };
  return { ok: true, table: parsed.table };
}

/** LOAIHOSO normalised: `xml1`, ` XML01 ` → `XML1`. */
export function tableName(loaiHoso: string): string {
  const m = /^XML0*(\d+)$/i.exec(loaiHoso.trim());
  return m ? `XML${m[1]}` : loaiHoso.trim().toUpperCase();
}

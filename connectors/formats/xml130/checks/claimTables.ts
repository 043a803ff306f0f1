// The tables of one claim record as the checks read them: rows of element → text by 130-era
// name (4210 names renamed, as the mappers do), plus the literal `null`/`undefined` values
// that the reader dropped (the checks report those too). No FHIR, no conversion.
import { decodeBase64Strict } from '../envelope/base64.js';
import type { FileHoso } from '../envelope/envelope.js';
import { parseInnerTable } from '../envelope/innerXml.js';
import { tableName } from '../envelope/tables.js';
import { ERA_4210_ALIASES } from '../mappers/mappingTables.js';
import { readPlainTable } from './lightTable.js';

export interface CheckRow {
  /** 1-based position within its table. */
  position: number;
  values: ReadonlyMap<string, string>;
}

export interface CheckTable {
  rows: CheckRow[];
  /** Elements written as a literal `null` / `undefined`: row and element name. */
  sentinels: Array<{ row: number; field: string }>;
}

export interface ClaimTables {
  tables: ReadonlyMap<string, CheckTable>;
  /** Tables present but unreadable (bad base64, not XML, refused), with the reader's reason. */
  unreadable: Array<{ table: string; code: string }>;
}

function renamed(table: string, row: CheckRow): CheckRow {
  const aliases = ERA_4210_ALIASES[table];
  if (!aliases) return { position: row.position, values: row.values };
  // 130-era rows (most) hold no 4210 name: nothing to copy.
  let old = false;
  for (const name of row.values.keys()) if (aliases[name]) { old = true; break; }
  if (!old) return { position: row.position, values: row.values };
  const values = new Map<string, string>();
  for (const [name, value] of row.values) {
    const target = aliases[name];
    if (target && !row.values.has(target)) values.set(target, value);
    else if (!values.has(name)) values.set(name, value);
  }
  return { position: row.position, values };
}

/** `XML4[44]/MA_CHI_SO` or `XML1/DIEN_THOAI` → row and element. */
function sentinelPlace(path: string): { row: number; field: string } | undefined {
  const m = /^[^/[]+(?:\[(\d+)\])?\/(.+)$/.exec(path);
  return m ? { row: m[1] ? Number(m[1]) : 1, field: m[2]! } : undefined;
}

export function readClaimTables(files: readonly FileHoso[]): ClaimTables {
  const tables = new Map<string, CheckTable>();
  const unreadable: ClaimTables['unreadable'] = [];
  for (const file of files) {
    const name = tableName(file.loaiHoso);
    if (tables.has(name)) continue; // a repeated table: the first one is the record's, as in conversion
    const decoded = decodeBase64Strict(file.noiDungFile);
    if (!decoded.ok) {
      unreadable.push({ table: name, code: 'BAD_BASE64' });
      continue;
    }
    // Most tables are plain elements and text: the light reader reads those several times
    // faster; the full reader takes the rest, and says why a table cannot be read.
    const plain = readPlainTable(decoded.bytes);
    if (plain) {
      tables.set(name, { rows: plain.rows.map((r) => renamed(name, r)), sentinels: plain.sentinels });
      continue;
    }
    const read = parseInnerTable(decoded.bytes, name);
    if (!read.ok) {
      unreadable.push({ table: name, code: read.code });
      continue;
    }
    const sentinels: CheckTable['sentinels'] = [];
    for (const n of read.table.normalisations) {
      if (n.rule !== 'sentinel-as-absent') continue;
      const place = sentinelPlace(n.field);
      if (place) sentinels.push(place);
    }
    tables.set(name, { rows: read.table.rows.map((r) => renamed(name, r)), sentinels });
  }
  return { tables, unreadable };
}

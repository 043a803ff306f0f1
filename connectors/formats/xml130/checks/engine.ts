// Evaluates the rule catalogue (rules.ts) on one claim record. Pure: the same tables give the
// same findings, in reading order. checkClaimRecord is what the agent calls per record
// (docs/claim-checks.md); the `check` command calls it for every HOSO of a file.
import type { FileHoso } from '../envelope/envelope.js';
import { parseHosoXml } from '../envelope/envelope.js';
import { splitList, birthDate } from '../mappers/datatypes.js';
import { amountOf, isClaimDate, isClaimTimestamp } from './values.js';
import { readClaimTables, type CheckRow, type ClaimTables } from './claimTables.js';
import { compactFinding, compareFindings, type CompactFinding, type Finding } from './findings.js';
import { RULES, type FieldRef, type Rule } from './rules.js';

export interface RecordFindings {
  /** XML1 MA_LK (the episode key), when it could be read. */
  maLk: string | null;
  findings: Finding[];
}

/** Amounts may differ from their formula by rounding: at most 1 VND (money has 2 decimals, XML130.md §4). */
export const MONEY_TOLERANCE = 1;

/** Free-text elements: they may hold dots of their own, so the placeholder rule leaves them alone. */
const FREE_TEXT = /^(TEN_|HO_?TEN|DIA_CHI|LY_DO|CHAN_DOAN|PP_DIEU|GHI_CHU|DIEN_BIEN|GIAI_DOAN|HOI_CHAN|PHAU_THUAT|MO_TA|KET_LUAN|LIEU_DUNG|CACH_DUNG|HAM_LUONG|DANG_BAO_CHE|DAU_HIEU|QT_BENHLY|TOMTAT|HUONG_DIEU_TRI|PHUONGTIEN|CHUCDANH|LOI_DAN|DU_PHONG)/;
const PLACEHOLDER = /\.{4,}|…{2,}|_{4,}/;
const freeText = new Map<string, boolean>();
const isFreeText = (field: string) => {
  let free = freeText.get(field);
  if (free === undefined) freeText.set(field, (free = FREE_TEXT.test(field)));
  return free;
};

interface RecordView {
  tables: ClaimTables['tables'];
  xml1: CheckRow | undefined;
  /** XML3 element → service code → earliest time (see earliestOrders). */
  earliest: Map<string, Map<string, string>>;
}

// Times and amounts are tested where used: the quick tests (values.ts) cost less than remembering them.
const timestamp = (v: string | undefined) => (v !== undefined && isClaimTimestamp(v) ? v : undefined);
const amount = (v: string | undefined) => (v === undefined ? undefined : amountOf(v));
const day = (v: string | undefined) => (v !== undefined && isClaimDate(v) ? v : undefined);
const cents = (x: number) => Math.round(x * 100) / 100;

function resolve(ref: FieldRef, row: CheckRow, rec: RecordView): string | undefined {
  if (ref.of === 'XML1') return rec.xml1?.values.get(ref.field);
  if (ref.of === 'orderingXML3') {
    const code = row.values.get('MA_DICH_VU');
    if (!code) return undefined;
    return earliestOrders(rec, ref.field).get(code);
  }
  return row.values.get(ref.field);
}

/**
 * A service is often ordered again each day under the same code: a result needs some order
 * before it, so the earliest order of that code is the one to compare with. Worked out once
 * per record and element (not once per result row).
 */
function earliestOrders(rec: RecordView, field: string): Map<string, string> {
  let byCode = rec.earliest.get(field);
  if (byCode) return byCode;
  byCode = new Map();
  for (const r of rec.tables.get('XML3')?.rows ?? []) {
    const code = r.values.get('MA_DICH_VU');
    const t = code === undefined ? undefined : timestamp(r.values.get(field));
    if (code === undefined || !t) continue;
    const known = byCode.get(code);
    if (!known || t < known) byCode.set(code, t);
  }
  rec.earliest.set(field, byCode);
  return byCode;
}

/** Days since 1970 of a yyyyMMdd. */
const dayNumber = (ymd: string) => Date.UTC(+ymd.slice(0, 4), +ymd.slice(4, 6) - 1, +ymd.slice(6, 8)) / 86_400_000;

interface Place {
  table: string;
  row: number | null;
  field: string | null;
  expected?: string;
}

/** The findings of one rule on one record. */
function evaluate(rule: Rule, rec: RecordView): Place[] {
  const c = rule.check;
  const table = rec.tables.get(rule.table);
  const rows = table?.rows ?? [];
  const at = (row: CheckRow, field = rule.field, expected?: string): Place => ({ table: rule.table, row: row.position, field, ...(expected !== undefined ? { expected } : {}) });
  const out: Place[] = [];
  switch (c.kind) {
    case 'xml1Present':
      return rec.xml1 ? [] : [{ table: 'XML1', row: null, field: null }];
    case 'readable':
    case 'placeholder':
    case 'sentinel':
      return []; // record-wide: see checkClaimTables
    case 'format':
      for (const row of rows) {
        const v = row.values.get(rule.field);
        if (v === undefined) continue;
        if (!c.list) {
          if (!c.valid(v)) out.push(at(row));
          continue;
        }
        const items = v.split(';').map((x) => x.trim());
        if (items.some((x) => !c.valid(x)) || (c.list.max !== undefined && items.length > c.list.max)) out.push(at(row));
      }
      return out;
    case 'required':
      for (const row of rows) if (!row.values.has(rule.field)) out.push(at(row));
      return out;
    case 'requiredWhen':
      for (const row of rows) if (!row.values.has(rule.field) && c.when(row, rec.xml1)) out.push(at(row));
      return out;
    case 'paperWhen': {
      const x = rec.xml1;
      if (!x || !x.values.has('MA_LOAI_RV') || !c.when(x)) return [];
      const present = rec.tables.has(c.paper);
      return present === (c.expect === 'present') ? [] : [{ table: 'XML1', row: x.position, field: rule.field }];
    }
    case 'order':
      for (const row of rows) {
        const earlier = timestamp(resolve(c.earlier, row, rec));
        const later = timestamp(resolve(c.later, row, rec));
        if (earlier && later && later < earlier) out.push(at(row));
      }
      return out;
    case 'product':
      for (const row of rows) {
        const actual = amount(row.values.get(rule.field));
        const factors = c.factors.map((f) => amount(row.values.get(f)));
        if (actual === undefined || factors.some((f) => f === undefined)) continue;
        let expected = (factors as number[]).reduce((a, b) => a * b, 1);
        for (const p of c.percents) {
          const rate = row.values.has(p) ? amount(row.values.get(p)) : 100;
          if (rate === undefined) expected = NaN;
          else expected = (expected * rate) / 100;
        }
        if (Number.isFinite(expected) && Math.abs(actual - cents(expected)) > MONEY_TOLERANCE) out.push(at(row, rule.field, cents(expected).toFixed(2)));
      }
      return out;
    case 'sum':
      for (const row of rows) {
        const actual = amount(row.values.get(rule.field));
        if (actual === undefined || !c.terms.some(([, f]) => row.values.has(f))) continue;
        const terms = c.terms.map(([, f]) => (row.values.has(f) ? amount(row.values.get(f)) : 0) ?? NaN);
        if (terms.some((t) => Number.isNaN(t))) continue;
        const expected = cents(c.terms.reduce((a, [sign], i) => a + sign * terms[i]!, 0));
        if (Math.abs(actual - expected) > MONEY_TOLERANCE) out.push(at(row, rule.field, expected.toFixed(2)));
      }
      return out;
    case 'total': {
      const x = rec.xml1;
      const actual = amount(x?.values.get(rule.field));
      if (!x || actual === undefined) return [];
      let sum = 0;
      for (const src of c.of) {
        for (const row of rec.tables.get(src.table)?.rows ?? []) {
          if (src.where && !src.where(row)) continue;
          const v = row.values.has(src.field) ? amount(row.values.get(src.field)) : 0;
          if (v === undefined) return []; // an unreadable line amount is reported by its format rule
          sum += v;
        }
      }
      const expected = cents(sum);
      return Math.abs(actual - expected) > MONEY_TOLERANCE ? [at(x, rule.field, expected.toFixed(2))] : [];
    }
    case 'cardAligned': {
      const x = rec.xml1;
      const cards = x?.values.get('MA_THE_BHYT');
      if (!x || !cards) return [];
      const n = splitList(cards).length;
      const wrong = ['MA_DKBD', 'GT_THE_TU', 'GT_THE_DEN'].find((f) => x.values.has(f) && splitList(x.values.get(f)).length !== n);
      return wrong ? [at(x, wrong)] : [];
    }
    case 'cardPeriod':
    case 'cardCovers': {
      const x = rec.xml1;
      if (!x || !x.values.has('MA_THE_BHYT')) return [];
      const from = splitList(x.values.get('GT_THE_TU')).map((d) => day(d));
      const to = splitList(x.values.get('GT_THE_DEN')).map((d) => day(d));
      if (from.length === 0 || from.length !== to.length || from.some((d) => !d) || to.some((d) => !d)) return [];
      const periods = from.map((f, i) => [dayNumber(f!), dayNumber(to[i]!)] as const);
      if (c.kind === 'cardPeriod') return periods.some(([a, b]) => a > b) ? [at(x)] : [];
      if (periods.some(([a, b]) => a > b)) return [];
      const vao = timestamp(x.values.get('NGAY_VAO'));
      const ra = timestamp(x.values.get('NGAY_RA'));
      if (!vao || !ra || ra < vao) return [];
      const first = dayNumber(vao.slice(0, 8));
      const last = dayNumber(ra.slice(0, 8));
      const earliest = Math.min(...periods.map(([a]) => a));
      const latest = Math.max(...periods.map(([, b]) => b));
      if (c.part === 'start') return earliest > first ? [at(x)] : [];
      if (c.part === 'end') return latest < last ? [at(x)] : [];
      if (earliest > first || latest < last) return [];
      for (let d = first; d <= last; d++) if (!periods.some(([a, b]) => a <= d && d <= b)) return [at(x)];
      return [];
    }
    case 'birth': {
      const x = rec.xml1;
      const text = x?.values.get('NGAY_SINH');
      const vao = timestamp(x?.values.get('NGAY_VAO'));
      if (!x || !text || !vao || !/^\d{12}$/.test(text) || !birthDate(text).ok) return [];
      // Unknown month or day (00) count as the earliest possible, so that only a sure mistake is reported.
      const known = `${text.slice(0, 4)}${text.slice(4, 6) === '00' ? '01' : text.slice(4, 6)}${text.slice(6, 8) === '00' ? '01' : text.slice(6, 8)}`;
      if (c.test === 'afterAdmission') return (text.slice(8) === '0000' ? known > vao.slice(0, 8) : `${known}${text.slice(8)}` > vao) ? [at(x)] : [];
      if (c.test === 'age') {
        const years = +vao.slice(0, 4) - +text.slice(0, 4) - (vao.slice(4, 8) < known.slice(4, 8) ? 1 : 0);
        return years > 120 ? [at(x)] : [];
      }
      if (text.slice(4, 6) === '00' || text.slice(6, 8) === '00') return [];
      const days = dayNumber(vao.slice(0, 8)) - dayNumber(known);
      return days >= 0 && days <= 28 && text.slice(8) === '0000' ? [at(x)] : [];
    }
  }
}

const RULE_LIST = [...RULES.values()];
const byKind = (kind: string) => RULE_LIST.find((r) => r.check.kind === kind)!;
const READABLE = byKind('readable');
const PLACEHOLDER_RULE = byKind('placeholder');
const SENTINEL_RULE = byKind('sentinel');

function finding(rule: Rule, p: Place): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    table: p.table,
    row: p.row,
    field: p.field,
    message: rule.message.vi,
    messageEn: rule.message.en,
    ...(p.expected !== undefined ? { expected: p.expected } : {}),
  };
}

/** The findings of one record whose tables were read. */
export function checkClaimTables(read: ClaimTables): RecordFindings {
  const xml1Rows = read.tables.get('XML1')?.rows ?? [];
  const rec: RecordView = { tables: read.tables, xml1: xml1Rows.length === 1 ? xml1Rows[0] : undefined, earliest: new Map() };
  const findings: Finding[] = [];
  for (const u of read.unreadable) findings.push(finding(READABLE, { table: u.table, row: null, field: null }));
  if (!rec.xml1 && read.unreadable.some((u) => u.table === 'XML1')) {
    // the unreadable XML1 already says it
  } else {
    for (const rule of RULE_LIST) for (const p of evaluate(rule, rec)) findings.push(finding(rule, p));
  }
  const placeholder = PLACEHOLDER_RULE;
  const sentinel = SENTINEL_RULE;
  for (const [name, table] of read.tables) {
    for (const row of table.rows) {
      for (const [field, value] of row.values) {
        if (PLACEHOLDER.test(value) && !isFreeText(field)) findings.push(finding(placeholder, { table: name, row: row.position, field }));
      }
    }
    for (const s of table.sentinels) findings.push(finding(sentinel, { table: name, row: s.row, field: s.field }));
  }
  findings.sort(compareFindings);
  return { maLk: rec.xml1?.values.get('MA_LK') ?? null, findings };
}

/** The findings of one record (one HOSO's tables): what the agent stores per record. */
export function checkClaimRecord(files: readonly FileHoso[]): RecordFindings {
  return checkClaimTables(readClaimTables(files));
}

/** The same, from the stored form of a record (hosoToXml). */
export function checkStoredRecord(storedHosoXml: string): RecordFindings {
  return checkClaimRecord(parseHosoXml(storedHosoXml).files);
}

/** Findings in their storable form: no personal value, severity and texts recoverable by rule id. */
export function compactFindings(result: RecordFindings): CompactFinding[] {
  return result.findings.map(compactFinding);
}

/** A stored finding read back with its rule's severity and texts; undefined for a rule id no longer known. */
export function expandFinding([rule, table, row, field, expected]: CompactFinding): Finding | undefined {
  const r = RULES.get(rule);
  return r ? finding(r, { table, row, field, ...(expected !== undefined ? { expected } : {}) }) : undefined;
}

// Small pure functions for the claim-XML datatypes (standards/XML130.md §4): timestamps
// yyyyMMddHHmm in local time (UTC+7), dates yyyyMMdd, birth dates with unknown parts,
// money and quantities as decimals with a dot, ICD-10 codes, `;` lists.

/** Vietnam has one time zone and no daylight saving: every claim timestamp is +07:00. */
export const VN_OFFSET = '+07:00';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DIGITS = /^\d+$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  // Years 0–99 count as 1900–1999, as Date.UTC reads them (the rule these dates were always checked by).
  const year = y >= 0 && y <= 99 ? 1900 + y : y;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return d <= (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!);
}

/** True when `s` is all ASCII digits (and not empty). */
function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The number written by the digits at `s[from, from + width)` (already known to be digits). */
function digitsAt(s: string, from: number, width: number): number {
  let n = 0;
  for (let i = from; i < from + width; i++) n = n * 10 + (s.charCodeAt(i) - 0x30);
  return n;
}

/**
 * `yyyyMMddHHmm` (or `yyyyMMddHHmmss`, or a bare `yyyyMMdd`) → FHIR dateTime with +07:00,
 * keeping the precision that was written: minutes get `:00` seconds, a date stays a date.
 */
export function claimDateTime(text: string): Parsed<string> {
  const s = text.trim();
  if ((s.length !== 8 && s.length !== 12 && s.length !== 14) || !allDigits(s)) return { ok: false, reason: `expected yyyyMMddHHmm (12 digits), got ${JSON.stringify(s)}` };
  if (!validYmd(digitsAt(s, 0, 4), digitsAt(s, 4, 2), digitsAt(s, 6, 2))) return { ok: false, reason: `${JSON.stringify(s)} is not a calendar date` };
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  if (s.length === 8) return { ok: true, value: date };
  const hh = digitsAt(s, 8, 2), mm = digitsAt(s, 10, 2), ss = s.length === 14 ? digitsAt(s, 12, 2) : 0;
  if (hh > 23 || mm > 59 || ss > 59) return { ok: false, reason: `${JSON.stringify(s)} has an impossible time of day` };
  const sec = s.length === 14 ? s.slice(12, 14) : '00';
  return { ok: true, value: `${date}T${s.slice(8, 10)}:${s.slice(10, 12)}:${sec}${VN_OFFSET}` };
}

/** `yyyyMMdd` → FHIR date. A 12-digit value is accepted and its time dropped (dates such as NGAY_MIEN_CCT come both ways). */
export function claimDate(text: string): Parsed<string> {
  const s = text.trim();
  if ((s.length !== 8 && s.length !== 12) || !allDigits(s)) return { ok: false, reason: `expected yyyyMMdd (8 digits), got ${JSON.stringify(s)}` };
  if (!validYmd(digitsAt(s, 0, 4), digitsAt(s, 4, 2), digitsAt(s, 6, 2))) return { ok: false, reason: `${JSON.stringify(s)} is not a calendar date` };
  return { ok: true, value: `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` };
}

export interface BirthDate {
  /** FHIR date at the precision known: `1987`, `1987-05` or `1987-05-14`. */
  date: string;
  /** FHIR dateTime when the hour was written (required for newborns), else absent. */
  time?: string;
}

/**
 * NGAY_SINH: 12 digits in 130, 8 in 4210, sometimes only the year. `0000` for MMdd means the
 * day and month are unknown, `00` for dd the day; a `0000` time means no time (XML130.md §4).
 */
export function birthDate(text: string): Parsed<BirthDate> {
  const s = text.trim();
  if (!DIGITS.test(s) || ![4, 6, 8, 12].includes(s.length)) return { ok: false, reason: `expected yyyyMMddHHmm or yyyyMMdd, got ${JSON.stringify(s)}` };
  const y = +s.slice(0, 4);
  if (y < 1880) return { ok: false, reason: `${JSON.stringify(s)} has an implausible year` };
  const mm = s.length >= 6 ? s.slice(4, 6) : '00';
  const dd = s.length >= 8 ? s.slice(6, 8) : '00';
  if (mm === '00') return { ok: true, value: { date: s.slice(0, 4) } };
  if (+mm > 12) return { ok: false, reason: `${JSON.stringify(s)} has month ${mm}` };
  if (dd === '00') return { ok: true, value: { date: `${s.slice(0, 4)}-${mm}` } };
  if (!validYmd(y, +mm, +dd)) return { ok: false, reason: `${JSON.stringify(s)} is not a calendar date` };
  const date = `${s.slice(0, 4)}-${mm}-${dd}`;
  if (s.length === 12 && s.slice(8) !== '0000') {
    const t = claimDateTime(s);
    if (!t.ok) return t;
    return { ok: true, value: { date, time: t.value } };
  }
  return { ok: true, value: { date } };
}

export interface DecimalValue {
  value: number;
  /** The canonical decimal text (dot separator, no leading `+`), exactly as many decimals as written. */
  text: string;
  /** True when the input needed fixing (a decimal comma). */
  normalised: boolean;
}

/**
 * Money, quantities and rates: decimal text with a dot (`587611.00`, `400000`, `-24510.00`);
 * a decimal comma (`518,4`, seen in real files) is accepted and reported. Values with more
 * than 15 significant digits cannot be held exactly and are refused.
 */
export function decimal(text: string): Parsed<DecimalValue> {
  const plain = plainDecimal(text);
  if (plain !== undefined) return { ok: true, value: { value: Number(text), text, normalised: false } };
  let s = text.trim();
  let normalised = false;
  if (/^[+-]?\d+,\d+$/.test(s)) {
    s = s.replace(',', '.');
    normalised = true;
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return { ok: false, reason: `${JSON.stringify(text.trim())} is not a decimal number` };
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('.')) s = `0${s}`;
  if (s.startsWith('-.')) s = `-0${s.slice(1)}`;
  if (s.endsWith('.')) s = s.slice(0, -1);
  const significant = s.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  if (significant.length > 15) return { ok: false, reason: `${JSON.stringify(text.trim())} has more digits than can be kept exactly` };
  return { ok: true, value: { value: Number(s), text: s, normalised } };
}

/**
 * True for the usual form, already canonical — `-?digits(.digits)?` with at most 15
 * significant digits — which decimal() returns as written; undefined for anything else.
 */
function plainDecimal(s: string): true | undefined {
  let i = s.charCodeAt(0) === 0x2d /* - */ ? 1 : 0;
  const n = s.length;
  let digits = 0;
  let leadingZeros = 0;
  let dot = -1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (dot >= 0 || digits === 0) return undefined;
      dot = i;
    } else if (c >= 0x30 && c <= 0x39) {
      if (c === 0x30 && digits === leadingZeros) leadingZeros++;
      digits++;
    } else return undefined;
  }
  if (digits === 0 || dot === n - 1) return undefined;
  return digits - leadingZeros <= 15 ? true : undefined;
}

/** A whole number (counts, years, months, percentages written without decimals). */
export function integer(text: string): Parsed<number> {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) return { ok: false, reason: `${JSON.stringify(s)} is not a whole number` };
  return { ok: true, value: Number.parseInt(s, 10) };
}

export interface IcdCode {
  code: string;
  /** True when the written code differs from the returned one (dot added, case, spaces). */
  normalised: boolean;
}

const ICD10 = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;

/** ICD-10 as VN Core writes it (dotted: `K21.0`); `K210`, `k21.0`, `K21.0*` are fixed, junk refused. */
export function icd10(text: string): Parsed<IcdCode> {
  const raw = text.trim();
  let s = raw.toUpperCase().replace(/\s+/g, '').replace(/[*†+!]+$/, '');
  if (/^[A-Z][0-9]{2}[0-9A-Z]{1,4}$/.test(s)) s = `${s.slice(0, 3)}.${s.slice(3)}`;
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (!ICD10.test(s)) return { ok: false, reason: `${JSON.stringify(raw)} is not an ICD-10 code` };
  return { ok: true, value: { code: s, normalised: s !== raw } };
}

/** A `;` list (MA_BENH_KT, MA_KHOA, MA_BAC_SI …): trimmed, empty items dropped. */
export function splitList(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** A numeric code that must keep a fixed width: `1` → `01` for MA_LOAI_KCB and MA_DANTOC. */
export function padCode(text: string, width: number): string {
  return /^\d+$/.test(text) && text.length < width ? text.padStart(width, '0') : text;
}

/** MA_DOITUONG_KCB: `02` → `2`, `01.12` → `1.12`; dotted codes stay strings. */
export function patientCategoryCode(text: string): string {
  return /^0+\d/.test(text) ? text.replace(/^0+(?=\d)/, '') : text;
}

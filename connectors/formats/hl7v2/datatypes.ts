// HL7v2 datatypes → FHIR datatypes: small pure functions (STYLE habit 7). Timestamps
// without an offset are Vietnam local time and are written with +07:00 (HL7V2.md §4).
import type { Address, CodeableConcept, Coding, ContactPoint, HumanName, Reference } from '@medplum/fhirtypes';
import type { Rep } from './reader.js';

export const VIETNAM_OFFSET = '+07:00';

/**
 * A reference by literal id, identifier or display. The generated FHIR types narrow
 * Reference by target type, which a mapping over untyped HL7 fields cannot know statically.
 */
export type Ref = Reference<any>;

interface TsParts {
  y: string;
  mo?: string;
  d?: string;
  h?: string;
  mi?: string;
  s?: string;
  frac?: string;
  tz?: string;
}

const TS_RE = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/;

function splitTs(value: string): TsParts | undefined {
  const m = TS_RE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const p: TsParts = { y: y!, mo, d, h, mi, s, frac, tz };
  if (mo && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d && (Number(d) < 1 || Number(d) > daysIn(Number(y), Number(mo)))) return undefined;
  if (h && Number(h) > 23) return undefined;
  if (mi && Number(mi) > 59) return undefined;
  if (s && Number(s) > 59) return undefined;
  if (tz && (Number(tz.slice(1, 3)) > 14 || Number(tz.slice(3)) > 59)) return undefined;
  return p;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetOf(p: TsParts): string {
  return p.tz ? `${p.tz.slice(0, 3)}:${p.tz.slice(3)}` : VIETNAM_OFFSET;
}

/** DTM → FHIR dateTime at the precision given (a time always gets seconds and an offset). */
export function toDateTime(value: string): string | undefined {
  const p = splitTs(value);
  if (!p) return undefined;
  if (!p.mo) return p.y;
  if (!p.d) return `${p.y}-${p.mo}`;
  if (!p.h) return `${p.y}-${p.mo}-${p.d}`;
  const frac = p.frac ? `.${p.frac}` : '';
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi ?? '00'}:${p.s ?? '00'}${frac}${offsetOf(p)}`;
}

/** DTM → FHIR date (the time, if any, is dropped). */
export function toDate(value: string): string | undefined {
  const p = splitTs(value);
  if (!p) return undefined;
  return [p.y, p.mo, p.d].filter(Boolean).join('-');
}

/** DTM → FHIR instant; undefined unless the value is precise to the minute at least. */
export function toInstant(value: string): string | undefined {
  const p = splitTs(value);
  if (!p?.mi) return undefined;
  return toDateTime(value);
}

/** Time part of a DTM as FHIR time (for the birthTime extension), if it has one. */
export function timeOf(value: string): string | undefined {
  const p = splitTs(value);
  if (!p?.h) return undefined;
  return toDateTime(value);
}

export function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.values(o).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0)) ? o : undefined;
}

/** Drops undefined members and empty arrays so that resources stay valid and diffable. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((v) => compact(v)).filter((v) => v !== undefined && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0)) as T;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === '') continue;
      const c = compact(v);
      if (Array.isArray(c) && c.length === 0) continue;
      if (c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      out[k] = c;
    }
    return out as T;
  }
  return value;
}

/**
 * XPN → HumanName. Vietnamese order is family first, so `text` joins family then given.
 * Kept: family (surname of FN), given and second names, the called-by name (XPN-15) as a
 * further given name, prefix, suffix with degree (XPN-6) and professional suffix (XPN-14),
 * type, and the validity range (XPN-10, or XPN-12/13).
 */
export function toHumanName(r: Rep): HumanName | undefined {
  const family = r.c(1);
  const given = [r.c(2), r.c(3), r.c(15)].filter(Boolean);
  if (!family && !given.length) return undefined;
  const use = NAME_USE[r.c(7)];
  const start = r.c(10, 1) || r.c(12);
  const end = r.c(10, 2) || r.c(13);
  return compact<HumanName>({
    use,
    text: [family, r.c(2), r.c(3)].filter(Boolean).join(' '),
    family: family || undefined,
    given,
    prefix: [r.c(5)].filter(Boolean),
    suffix: [r.c(4), r.c(6), r.c(14)].filter(Boolean),
    period: start || end ? compact({ start: toDateTime(start), end: toDateTime(end) }) : undefined,
  });
}

const NAME_USE: Record<string, HumanName['use']> = { L: 'official', D: 'usual', M: 'maiden', N: 'nickname', A: 'anonymous', B: 'old', C: 'old' };

/**
 * XAD → Address, every component kept: street (each SAD subcomponent: line, street name,
 * dwelling number), other designation and addressee as lines, city, state, postal code,
 * country, county/parish (district), validity; other geographic designation and census
 * tract go into `text` with the rest.
 */
export function toAddress(r: Rep): Address | undefined {
  // SAD: street or mailing address & street name & dwelling number, one line each.
  const street = [r.c(1, 1), r.c(1, 2), r.c(1, 3)].filter(Boolean);
  const line = [...street, r.c(2), r.c(19)].filter(Boolean);
  const extra = [r.c(8), r.c(10)].filter(Boolean);
  const start = r.c(12, 1) || r.c(13);
  const end = r.c(12, 2) || r.c(14);
  const a = compact<Address>({
    use: ADDRESS_USE[r.c(7)],
    type: r.c(7) === 'M' ? 'postal' : undefined,
    text: extra.length ? [...line, r.c(3), r.c(4), r.c(5), r.c(6), r.whole(9), ...extra].filter(Boolean).join(', ') : undefined,
    line,
    city: r.c(3) || undefined,
    state: r.c(4) || undefined,
    postalCode: r.c(5) || undefined,
    country: r.c(6) || undefined,
    district: r.whole(9) || undefined,
    period: start || end ? compact({ start: toDateTime(start), end: toDateTime(end) }) : undefined,
  });
  return Object.keys(a).length ? a : undefined;
}

const ADDRESS_USE: Record<string, Address['use']> = { H: 'home', B: 'work', O: 'work', C: 'temp', BA: 'billing', M: undefined, L: 'home' };

/** XTN → ContactPoint; v2.3 style (number in component 1) and v2.5+ (components 4–7). */
export function toContactPoint(r: Rep, defaultUse?: ContactPoint['use']): ContactPoint | undefined {
  const equipment = r.c(3);
  const email = r.c(4);
  const structured = [r.c(5) && `+${r.c(5)}`, r.c(6), r.c(7)].filter(Boolean).join(' ');
  // XTN-12 (unformatted number) is the number as dialled; XTN-1 is the older free text.
  const value = equipment === 'Internet' || equipment === 'X.400' ? email || r.c(1) : r.c(12) || r.c(1) || structured || email;
  if (!value) return undefined;
  const system: ContactPoint['system'] =
    equipment === 'Internet' || equipment === 'X.400' ? 'email' : equipment === 'FX' ? 'fax' : equipment === 'BP' ? 'pager' : 'phone';
  const use = TELECOM_USE[r.c(2)] ?? (equipment === 'CP' ? 'mobile' : defaultUse);
  return compact<ContactPoint>({ system, value, use });
}

const TELECOM_USE: Record<string, ContactPoint['use']> = { PRN: 'home', ORN: 'home', WPN: 'work', VHN: 'home', EMR: 'home', NET: undefined, PRS: 'mobile' };

/** CWE/CE → CodeableConcept (primary and alternate coding); `systemOf` resolves the coding system names. */
export function toCodeableConcept(r: Rep, systemOf: (name: string) => string | undefined, unknown?: (name: string) => void): CodeableConcept | undefined {
  const coding: Coding[] = [];
  for (const [code, display, sys] of [
    [r.c(1), r.c(2), r.c(3)],
    [r.c(4), r.c(5), r.c(6)],
  ] as const) {
    if (!code) continue;
    const system = sys ? systemOf(sys) : undefined;
    if (sys && !system) unknown?.(sys);
    coding.push(compact<Coding>({ system, code, display: display || undefined }));
  }
  const text = r.c(9) || r.c(2) || r.c(5) || undefined;
  if (!coding.length && !text) return undefined;
  return compact<CodeableConcept>({ coding, text });
}

/** XCN (a person) → a Reference by identifier and name, without a resource of its own. */
export function toPersonReference(r: Rep): Ref | undefined {
  const id = r.c(1);
  const name = [r.c(6), r.c(2), r.c(3), r.c(4)].filter(Boolean).join(' ');
  if (!id && !name) return undefined;
  return compact<Ref>({ identifier: id ? { value: id } : undefined, display: name || undefined });
}

/** A plain display Reference (e.g. an organisation name from XON). */
export function toDisplayReference(text: string): Ref | undefined {
  return text ? { display: text } : undefined;
}

/** NM → number, or undefined when the text is not a plain decimal. */
export function toNumber(text: string): number | undefined {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim()) ? Number(text) : undefined;
}

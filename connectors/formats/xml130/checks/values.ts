// The value tests the checks run thousands of times per record, without building the FHIR
// forms the mappers need: the same answers as the mappers' parsers (mappers/datatypes.ts:
// claimDateTime, claimDate, decimal), which take over for anything unusual (tested against them).
import { claimDate, claimDateTime, decimal } from '../mappers/datatypes.js';

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TWELVE = /^\d{12}$/;
const EIGHT = /^\d{8}$/;
/** Plain decimals; written in at most 15 characters, their digits fit a double exactly and `decimal` would not refuse them. */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

const two = (s: string, at: number) => (s.charCodeAt(at) - 48) * 10 + (s.charCodeAt(at + 1) - 48);

function validDay(s: string): boolean | undefined {
  const y = two(s, 0) * 100 + two(s, 2);
  if (y < 100) return undefined; // years 0–99: the mappers' calendar rules apply (Date.UTC maps them to 19xx)
  const m = two(s, 4);
  const d = two(s, 6);
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : DAYS[m - 1]!);
}

/** A real yyyyMMddHHmm: `/^\d{12}$/` and claimDateTime accepts it. */
export function isClaimTimestamp(v: string): boolean {
  if (!TWELVE.test(v)) return false;
  const day = validDay(v);
  if (day === undefined) return claimDateTime(v).ok;
  return day && two(v, 8) <= 23 && two(v, 10) <= 59;
}

/** A real yyyyMMdd: `/^\d{8}$/` and claimDate accepts it. */
export function isClaimDate(v: string): boolean {
  if (!EIGHT.test(v)) return false;
  return validDay(v) ?? claimDate(v).ok;
}

/** decimal(v)'s value, or undefined where decimal refuses v. */
export function amountOf(v: string): number | undefined {
  if (v.length <= 15 && PLAIN_DECIMAL.test(v)) return Number(v);
  const d = decimal(v);
  return d.ok ? d.value.value : undefined;
}

// The checks' quick value tests answer as the mappers' parsers do (mappers/datatypes.ts), on
// every day of several years (leap years and centuries included), impossible dates and times,
// and amounts written every way seen.
import { describe, expect, it } from 'vitest';
import { claimDate, claimDateTime, decimal } from '../mappers/datatypes.js';
import { amountOf, isClaimDate, isClaimTimestamp } from './values.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('quick value tests', () => {
  it('agree with claimDate and claimDateTime', () => {
    const cases: string[] = [];
    for (const y of [1900, 1999, 2000, 2024, 2025, 2026, 2100, 0, 24, 99, 100, 9999]) {
      for (let m = 0; m <= 13; m++) for (let d = 0; d <= 32; d++) cases.push(`${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}`);
    }
    for (const c of cases) {
      expect(isClaimDate(c), c).toBe(claimDate(c).ok);
      for (const t of ['0000', '2359', '2400', '2360', '1230', '9999']) expect(isClaimTimestamp(c + t), c + t).toBe(/^\d{12}$/.test(c + t) && claimDateTime(c + t).ok);
    }
    for (const odd of ['', '2026', '202601011200', '20260101120000', ' 202601011200', '2026-01-01', '２０２６０１０１']) {
      expect(isClaimDate(odd), odd).toBe(/^\d{8}$/.test(odd) && claimDate(odd).ok);
      expect(isClaimTimestamp(odd), odd).toBe(/^\d{12}$/.test(odd) && claimDateTime(odd).ok);
    }
  });

  it('read amounts as decimal does', () => {
    const cases = ['0', '100', '587611.00', '-24510.00', '518,4', '+5', '.5', '-.5', '5.', '007.50', '1e5', '1 000', '', 'abc', '123456789012345', '1234567890123456', '12345678901234.5', '0.000000000000001', '00000000000000000001'];
    for (const c of cases) {
      const d = decimal(c);
      expect(amountOf(c), c).toBe(d.ok ? d.value.value : undefined);
    }
  });
});

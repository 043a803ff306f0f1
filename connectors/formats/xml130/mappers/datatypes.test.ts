import { describe, expect, it } from 'vitest';
import { birthDate, claimDate, claimDateTime, decimal, icd10, padCode, patientCategoryCode, splitList } from './datatypes.js';

describe('claim datatypes', () => {
  it('turns yyyyMMddHHmm into a +07:00 dateTime keeping the precision written', () => {
    expect(claimDateTime('202602231426')).toEqual({ ok: true, value: '2026-02-23T14:26:00+07:00' });
    expect(claimDateTime('20260223142659')).toEqual({ ok: true, value: '2026-02-23T14:26:59+07:00' });
    expect(claimDateTime('20260223')).toEqual({ ok: true, value: '2026-02-23' });
    expect(claimDateTime('202602301426').ok).toBe(false);
    expect(claimDateTime('202602232460').ok).toBe(false);
    expect(claimDateTime('2026-02-23').ok).toBe(false);
  });

  it('reads yyyyMMdd dates, dropping a time when one is written', () => {
    expect(claimDate('20261231')).toEqual({ ok: true, value: '2026-12-31' });
    expect(claimDate('202612310000')).toEqual({ ok: true, value: '2026-12-31' });
    expect(claimDate('20261331').ok).toBe(false);
  });

  it('gives birth dates their real precision', () => {
    expect(birthDate('198700000000')).toEqual({ ok: true, value: { date: '1987' } });
    expect(birthDate('198705000000')).toEqual({ ok: true, value: { date: '1987-05' } });
    expect(birthDate('198705140000')).toEqual({ ok: true, value: { date: '1987-05-14' } });
    expect(birthDate('19870514')).toEqual({ ok: true, value: { date: '1987-05-14' } });
    expect(birthDate('1987')).toEqual({ ok: true, value: { date: '1987' } });
    expect(birthDate('202602151500')).toEqual({ ok: true, value: { date: '2026-02-15', time: '2026-02-15T15:00:00+07:00' } });
    expect(birthDate('19870230').ok).toBe(false);
  });

  it('keeps money exact and accepts a decimal comma as a normalisation', () => {
    expect(decimal('587611.00')).toEqual({ ok: true, value: { value: 587611, text: '587611.00', normalised: false } });
    expect(decimal('-24510.00')).toEqual({ ok: true, value: { value: -24510, text: '-24510.00', normalised: false } });
    expect(decimal('518,4')).toEqual({ ok: true, value: { value: 518.4, text: '518.4', normalised: true } });
    expect(decimal('400000')).toMatchObject({ ok: true, value: { value: 400000 } });
    expect(decimal('1.234.567').ok).toBe(false);
    expect(decimal('Nhóm 1').ok).toBe(false);
    expect(decimal('1234567890123456.00').ok).toBe(false);
  });

  it('writes ICD-10 codes in dotted form', () => {
    expect(icd10('K21.0')).toEqual({ ok: true, value: { code: 'K21.0', normalised: false } });
    expect(icd10('K210')).toEqual({ ok: true, value: { code: 'K21.0', normalised: true } });
    expect(icd10(' k29.7 ')).toEqual({ ok: true, value: { code: 'K29.7', normalised: true } });
    expect(icd10('A18.0*')).toEqual({ ok: true, value: { code: 'A18.0', normalised: true } });
    expect(icd10('R10')).toEqual({ ok: true, value: { code: 'R10', normalised: false } });
    expect(icd10('xx').ok).toBe(false);
  });

  it('splits lists and keeps codes as strings', () => {
    expect(splitList(' K01; ;K27 ')).toEqual(['K01', 'K27']);
    expect(splitList(undefined)).toEqual([]);
    expect(padCode('1', 2)).toBe('01');
    expect(padCode('01', 2)).toBe('01');
    expect(padCode('K1', 2)).toBe('K1');
    expect(patientCategoryCode('02')).toBe('2');
    expect(patientCategoryCode('1.12')).toBe('1.12');
  });
});

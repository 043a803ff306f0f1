// The checks on the shared public samples (read from ../shared, never copied): every mistake
// the reviewers named is reported at its table, row and element. The expected rows come from
// reading the decoded tables with plain text search (test/support/claimChecks.ts), not from
// the reader or the engine under test.
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitEnvelope } from '../envelope/envelope.js';
import { checkClaimRecord, type RecordFindings } from './engine.js';
import { columnOf, innerTables, readSample, sampleFile } from '../../../../test/support/claimChecks.js';

async function check(name: string): Promise<RecordFindings> {
  const out: RecordFindings[] = [];
  for await (const ev of splitEnvelope(createReadStream(sampleFile(name)))) if (ev.kind === 'hoso') out.push(checkClaimRecord(ev.hoso.files));
  expect(out).toHaveLength(1);
  return out[0]!;
}

const rowsOf = (r: RecordFindings, rule: string, field: string) => r.findings.filter((f) => f.rule === rule && f.field === field).map((f) => f.row);
const NUMBER = /^[+-]?(\d+([.,]\d+)?|[.,]\d+)$/;

describe('inpatient-30-drugs.xml', () => {
  it('reports the 23 of 30 drug lines given before they were ordered, each at its row', async () => {
    const xml2 = innerTables(readSample('inpatient-30-drugs.xml')).get('XML2')!;
    const ordered = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_YL');
    const given = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_TH_YL');
    expect(ordered).toHaveLength(30);
    const early = ordered.flatMap((o, i) => (given[i]! < o ? [i + 1] : []));
    expect(early).toHaveLength(23);
    // the reviewer's example: ordered 202602160744, given 202602131942
    const example = ordered.findIndex((o, i) => o === '202602160744' && given[i] === '202602131942') + 1;
    expect(early).toContain(example);
    const r = await check('inpatient-30-drugs.xml');
    expect(r.maLk).toBe('317444');
    expect(rowsOf(r, 'XML2.NGAY_TH_YL.BEFORE_ORDER', 'NGAY_TH_YL')).toEqual(early);
    expect(r.findings.find((f) => f.row === example && f.rule === 'XML2.NGAY_TH_YL.BEFORE_ORDER')).toMatchObject({ severity: 'error', table: 'XML2' });
  });
});

describe('numeric lab results without a unit', () => {
  const files = ['emergency.xml', 'inpatient-30-drugs.xml', 'inpatient-delivery.xml', 'inpatient-bom-cdata-xml5.xml', 'outpatient-visit.xml', 'emergency-referral-xml13.xml'];
  it.each(files)('%s: every XML4 row with a number in GIA_TRI and no DON_VI_DO', async (name) => {
    const xml4 = innerTables(readSample(name)).get('XML4') ?? '';
    const values = columnOf(xml4, 'CHI_TIET_CLS', 'GIA_TRI');
    const units = columnOf(xml4, 'CHI_TIET_CLS', 'DON_VI_DO');
    const expected = values.flatMap((v, i) => (NUMBER.test(v) && units[i] === '' ? [i + 1] : []));
    const r = await check(name);
    expect(rowsOf(r, 'XML4.DON_VI_DO.REQUIRED_FOR_NUMBER', 'DON_VI_DO')).toEqual(expected);
  });
  it('the two files the reviewers read hold the 50 they counted', async () => {
    const counts = await Promise.all(['emergency.xml', 'inpatient-30-drugs.xml'].map(async (n) => rowsOf(await check(n), 'XML4.DON_VI_DO.REQUIRED_FOR_NUMBER', 'DON_VI_DO').length));
    expect(counts[0]! + counts[1]!).toBe(50);
  });
});

describe('emergency-referral-xml13.xml', () => {
  it('reports the referral paper’s mistakes where they are, and nothing else', async () => {
    const r = await check('emergency-referral-xml13.xml');
    expect(r.maLk).toBe('ER32447477');
    expect(r.findings.map((f) => [f.rule, f.severity, f.table, f.row, f.field])).toEqual([
      // MA_DOITUONG_KCB is written `02` (the catalogue code is `2`)
      ['XML1.MA_DOITUONG_KCB.LEADING_ZERO', 'warning', 'XML1', 1, 'MA_DOITUONG_KCB'],
      // MA_LOAI_RV 1 (discharged) beside an XML13 referral paper
      ['XML1.MA_LOAI_RV.XML13_WITHOUT_REFERRAL', 'error', 'XML1', 1, 'MA_LOAI_RV'],
      // `Số: ..............5...... / 75 31.......... / PCCSKBCB`
      ['ANY.PLACEHOLDER', 'warning', 'XML13', 1, 'GIAY_CHUYEN_TUYEN'],
      // "2. Theo yêu cầu của người bệnh …" where one digit belongs
      ['XML13.MA_LYDO_CT.FORMAT', 'error', 'XML13', 1, 'MA_LYDO_CT'],
      // `.........7...........`
      ['ANY.PLACEHOLDER', 'warning', 'XML13', 1, 'SO_CHUYENTUYEN'],
    ]);
  });
});

describe('literal null and undefined', () => {
  it.each(['emergency.xml', 'inpatient-30-drugs.xml', 'inpatient-delivery.xml'])('%s: each one at its table, row and element', async (name) => {
    const expected: Array<[string, number, string]> = [];
    for (const [table, xml] of innerTables(readSample(name))) {
      const rowTag = { XML1: 'TONG_HOP', XML2: 'CHI_TIET_THUOC', XML3: 'CHI_TIET_DVKT', XML4: 'CHI_TIET_CLS' }[table];
      if (!rowTag) continue;
      const rows = [...xml.matchAll(new RegExp(`<${rowTag}(?:\\s[^>]*)?>([\\s\\S]*?)</${rowTag}>`, 'g'))];
      rows.forEach((m, i) => {
        for (const hit of m[1]!.matchAll(/<([A-Z_0-9]+)>\s*(null|undefined)\s*<\/\1>/gi)) expected.push([table, i + 1, hit[1]!]);
      });
    }
    expect(expected.length).toBeGreaterThan(0);
    const r = await check(name);
    const got = r.findings.filter((f) => f.rule === 'ANY.NULL_LITERAL').map((f) => [f.table, f.row, f.field]);
    expect(got.sort()).toEqual(expected.sort());
  });
});

describe('inpatient-delivery.xml', () => {
  it('reports the missing main diagnosis', async () => {
    const r = await check('inpatient-delivery.xml');
    expect(columnOf(innerTables(readSample('inpatient-delivery.xml')).get('XML1')!, 'TONG_HOP', 'MA_BENH_CHINH')).toEqual(['']);
    expect(rowsOf(r, 'XML1.MA_BENH_CHINH.REQUIRED', 'MA_BENH_CHINH')).toEqual([1]);
  });
});

// Each rule kind, a good and a bad case: one mistake planted into a hand-built record that
// breaks no rule, and exactly the findings that mistake must produce (worked out by hand from
// the formulas in standards/XML130.md, not from the engine).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkClaimRecord, checkStoredRecord, compactFindings, expandFinding } from './engine.js';
import { RULES } from './rules.js';
import { cleanRecord, cleanReferral, recordFiles, type CleanRecord } from '../../../../test/support/claimChecks.js';
import { fileHoso } from '../envelope/storedForm.js';
import { generateStoredRecords } from '../../../../tools/claimXml/generate.js';

type Where = [rule: string, table: string, row: number | null, field: string | null, expected?: string];

function findingsOf(r: CleanRecord, tweak?: (files: ReturnType<typeof recordFiles>) => void): Where[] {
  const files = recordFiles(r);
  tweak?.(files);
  return checkClaimRecord(files).findings.map((f) => [f.rule, f.table, f.row, f.field, ...(f.expected !== undefined ? [f.expected] : [])] as Where);
}

function planted(change: (r: CleanRecord) => void): Where[] {
  const r = cleanRecord();
  change(r);
  return findingsOf(r);
}

const sortW = (w: Where[]) => [...w].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('the clean record', () => {
  it('breaks no rule', () => {
    expect(findingsOf(cleanRecord())).toEqual([]);
  });
  it('nor do generated records, whose amounts and times are built to add up', () => {
    const found = generateStoredRecords({ records: 60, seed: 3 }).flatMap((r) => checkStoredRecord(r).findings.map((f) => f.rule));
    expect(found).toEqual([]);
  });
});

// [name, the mistake, the findings it must give]
const BAD: Array<[string, (r: CleanRecord) => void, Where[]]> = [
  // dates within a record and across tables
  ['drug given before it was ordered', (r) => (r.XML2[1]!.NGAY_TH_YL = '202603011100'), [['XML2.NGAY_TH_YL.BEFORE_ORDER', 'XML2', 2, 'NGAY_TH_YL']]],
  ['service performed before it was ordered', (r) => (r.XML3[0]!.NGAY_TH_YL = '202603010930'), [['XML3.NGAY_TH_YL.BEFORE_ORDER', 'XML3', 1, 'NGAY_TH_YL']]],
  ['result before the service was performed', (r) => (r.XML3[0]!.NGAY_KQ = '202603011005'), [['XML3.NGAY_KQ.BEFORE_PERFORMED', 'XML3', 1, 'NGAY_KQ']]],
  ['XML4 result before its XML3 order', (r) => (r.XML4[0]!.NGAY_KQ = '202603010930'), [['XML4.NGAY_KQ.BEFORE_ORDER', 'XML4', 1, 'NGAY_KQ']]],
  ['supply ordered after discharge', (r) => (r.XML3[1]!.NGAY_YL = '202603061000'), [['XML3.NGAY_YL.AFTER_DISCHARGE', 'XML3', 2, 'NGAY_YL']]],
  ['drug ordered before admission', (r) => (r.XML2[0]!.NGAY_YL = '202602281000'), [['XML2.NGAY_YL.BEFORE_ADMISSION', 'XML2', 1, 'NGAY_YL']]],
  ['progress note after discharge', (r) => (r.XML5[0]!.THOI_DIEM_DBLS = '202603061000'), [['XML5.THOI_DIEM_DBLS.AFTER_DISCHARGE', 'XML5', 1, 'THOI_DIEM_DBLS']]],
  ['admission order before arrival', (r) => (r.XML1.NGAY_VAO_NOI_TRU = '202603010700'), [['XML1.NGAY_VAO_NOI_TRU.BEFORE_ADMISSION', 'XML1', 1, 'NGAY_VAO_NOI_TRU']]],
  ['payment before discharge', (r) => (r.XML1.NGAY_TTOAN = '202603050900'), [['XML1.NGAY_TTOAN.BEFORE_DISCHARGE', 'XML1', 1, 'NGAY_TTOAN']]],
  ['a timestamp that is not yyyyMMddHHmm', (r) => (r.XML5[0]!.THOI_DIEM_DBLS = '20260302'), [['XML5.THOI_DIEM_DBLS.FORMAT', 'XML5', 1, 'THOI_DIEM_DBLS']]],
  ['an impossible time of day', (r) => (r.XML2[0]!.NGAY_YL = '202603012560'), [['XML2.NGAY_YL.FORMAT', 'XML2', 1, 'NGAY_YL']]],
  // card validity
  ['card expires before discharge', (r) => (r.XML1.GT_THE_DEN = '20260303'), [['XML1.CARD.EXPIRED_BEFORE_DISCHARGE', 'XML1', 1, 'GT_THE_DEN']]],
  ['card not yet valid at admission', (r) => (r.XML1.GT_THE_TU = '20260302'), [['XML1.CARD.NOT_VALID_AT_ADMISSION', 'XML1', 1, 'GT_THE_TU']]],
  ['card period reversed', (r) => (r.XML1.GT_THE_TU = '20270101'), [['XML1.CARD.PERIOD_REVERSED', 'XML1', 1, 'GT_THE_TU']]],
  [
    'two cards leaving a day uncovered',
    (r) => Object.assign(r.XML1, { MA_THE_BHYT: 'GD4921544909210;GD4921544909211', MA_DKBD: '94009;94009', GT_THE_TU: '20260101;20260304', GT_THE_DEN: '20260302;20261231' }),
    [['XML1.CARD.GAP_DURING_STAY', 'XML1', 1, 'GT_THE_TU']],
  ],
  [
    'card lists not aligned',
    (r) => Object.assign(r.XML1, { MA_THE_BHYT: 'GD4921544909210;GD4921544909211', MA_DKBD: '94009;94009', GT_THE_TU: '20260101;20260304', GT_THE_DEN: '20260303' }),
    [['XML1.CARD.LISTS_NOT_ALIGNED', 'XML1', 1, 'GT_THE_DEN']],
  ],
  ['card date not yyyyMMdd', (r) => (r.XML1.GT_THE_DEN = '2026-12-31'), [['XML1.GT_THE_DEN.FORMAT', 'XML1', 1, 'GT_THE_DEN']]],
  ['card number malformed', (r) => (r.XML1.MA_THE_BHYT = 'GD49215449'), [['XML1.MA_THE_BHYT.FORMAT', 'XML1', 1, 'MA_THE_BHYT']]],
  ['card without its primary-care facility', (r) => (r.XML1.MA_DKBD = undefined), [['XML1.MA_DKBD.REQUIRED_WITH_CARD', 'XML1', 1, 'MA_DKBD']]],
  // code formats per field
  ['diagnosis text in MA_BENH_CHINH', (r) => (r.XML1.MA_BENH_CHINH = 'Viêm phổi'), [['XML1.MA_BENH_CHINH.FORMAT', 'XML1', 1, 'MA_BENH_CHINH']]],
  ['a bad item in MA_BENH_KT', (r) => (r.XML1.MA_BENH_KT = 'I10;tăng huyết áp'), [['XML1.MA_BENH_KT.FORMAT', 'XML1', 1, 'MA_BENH_KT']]],
  ['13 secondary diagnoses', (r) => (r.XML1.MA_BENH_KT = Array.from({ length: 13 }, (_, i) => `K${20 + i}`).join(';')), [['XML1.MA_BENH_KT.FORMAT', 'XML1', 1, 'MA_BENH_KT']]],
  ['ICD-10 list of a service malformed', (r) => (r.XML3[0]!.MA_BENH = 'J18.9;I 10'), [['XML3.MA_BENH.FORMAT', 'XML3', 1, 'MA_BENH']]],
  ['care type without its leading zero', (r) => (r.XML1.MA_LOAI_KCB = '3'), [['XML1.MA_LOAI_KCB.FORMAT', 'XML1', 1, 'MA_LOAI_KCB']]],
  ['unknown patient category', (r) => (r.XML1.MA_DOITUONG_KCB = '4.1'), [['XML1.MA_DOITUONG_KCB.FORMAT', 'XML1', 1, 'MA_DOITUONG_KCB']]],
  ['patient category with a leading zero', (r) => (r.XML1.MA_DOITUONG_KCB = '02'), [['XML1.MA_DOITUONG_KCB.LEADING_ZERO', 'XML1', 1, 'MA_DOITUONG_KCB']]],
  ['drug name in MA_THUOC', (r) => (r.XML2[0]!.MA_THUOC = 'Paracetamol 500mg'), [['XML2.MA_THUOC.FORMAT', 'XML2', 1, 'MA_THUOC']]],
  ['service name in MA_DICH_VU', (r) => (r.XML3[0]!.MA_DICH_VU = 'Glucose máu'), [['XML3.MA_DICH_VU.FORMAT', 'XML3', 1, 'MA_DICH_VU']]],
  ['4-digit facility code', (r) => (r.XML1.MA_CSKCB = '9417'), [['XML1.MA_CSKCB.FORMAT', 'XML1', 1, 'MA_CSKCB']]],
  ['sex code 0', (r) => (r.XML1.GIOI_TINH = '0'), [['XML1.GIOI_TINH.FORMAT', 'XML1', 1, 'GIOI_TINH']]],
  // required and required-when
  ['main diagnosis missing', (r) => (r.XML1.MA_BENH_CHINH = ''), [['XML1.MA_BENH_CHINH.REQUIRED', 'XML1', 1, 'MA_BENH_CHINH']]],
  ['numeric result without a unit', (r) => (r.XML4[0]!.DON_VI_DO = ''), [['XML4.DON_VI_DO.REQUIRED_FOR_NUMBER', 'XML4', 1, 'DON_VI_DO']]],
  ['a service line with neither service nor supply code', (r) => (r.XML3[0]!.MA_DICH_VU = undefined), [['XML3.MA_DICH_VU.REQUIRED', 'XML3', 1, 'MA_DICH_VU']]],
  ['inpatient without the admission-order time', (r) => (r.XML1.NGAY_VAO_NOI_TRU = undefined), [['XML1.NGAY_VAO_NOI_TRU.REQUIRED_INPATIENT', 'XML1', 1, 'NGAY_VAO_NOI_TRU']]],
  ['referral paper beside an ordinary discharge', (r) => (r.XML13 = { ...cleanReferral(), MA_LOAI_RV: '1' }), [['XML1.MA_LOAI_RV.XML13_WITHOUT_REFERRAL', 'XML1', 1, 'MA_LOAI_RV']]],
  ['referral discharge without its paper', (r) => (r.XML1.MA_LOAI_RV = '2'), [['XML1.MA_LOAI_RV.REFERRAL_WITHOUT_XML13', 'XML1', 1, 'MA_LOAI_RV']]],
  [
    'referral reason written as a sentence',
    (r) => {
      r.XML1.MA_LOAI_RV = '2';
      r.XML13 = { ...cleanReferral(), MA_LYDO_CT: '2. Theo yêu cầu của người bệnh' };
    },
    [['XML13.MA_LYDO_CT.FORMAT', 'XML13', 1, 'MA_LYDO_CT']],
  ],
  // money (4750)
  ['insured amount not quantity × price × rate', (r) => (r.XML2[0]!.TYLE_TT_BH = '80'), [['XML2.THANH_TIEN_BH.NOT_QTY_X_PRICE_X_RATE', 'XML2', 1, 'THANH_TIEN_BH', '12000.00']]],
  [
    'line amount not quantity × price',
    (r) => (r.XML3[1]!.SO_LUONG = '6'),
    [
      ['XML3.THANH_TIEN_BV.NOT_QTY_X_PRICE', 'XML3', 2, 'THANH_TIEN_BV', '12000.00'],
      ['XML3.THANH_TIEN_BH.NOT_QTY_X_PRICE_X_RATE', 'XML3', 2, 'THANH_TIEN_BH', '12000.00'],
    ],
  ],
  ['split service rate ignored', (r) => (r.XML3[0]!.TYLE_TT_DV = '50'), [['XML3.THANH_TIEN_BV.NOT_QTY_X_PRICE', 'XML3', 1, 'THANH_TIEN_BV', '15000.00']]],
  ['other sources not adding up', (r) => (r.XML2[0]!.T_NGUONKHAC_NSNN = '500'), [['XML2.T_NGUONKHAC.NOT_SOURCES_SUM', 'XML2', 1, 'T_NGUONKHAC', '500.00']]],
  ['drug total not the sum of drug lines', (r) => (r.XML1.T_THUOC = '66000.00'), [['XML1.T_THUOC.NOT_SUM_OF_DRUGS', 'XML1', 1, 'T_THUOC', '65000.00']]],
  ['supply total not the sum of supply lines', (r) => (r.XML1.T_VTYT = '0'), [['XML1.T_VTYT.NOT_SUM_OF_SUPPLIES', 'XML1', 1, 'T_VTYT', '10000.00']]],
  [
    'line shares not adding up to the line',
    (r) => (r.XML3[0]!.T_BNTT = '1000'),
    [
      ['XML1.T_BNTT.NOT_SUM_OF_LINES', 'XML1', 1, 'T_BNTT', '1000.00'],
      ['XML3.SHARES.NOT_LINE_TOTAL', 'XML3', 1, 'THANH_TIEN_BV', '31000.00'],
    ],
  ],
  [
    'record shares not adding up to the total',
    (r) => (r.XML1.T_BNTT = '5000.00'),
    [
      ['XML1.SHARES.NOT_TOTAL', 'XML1', 1, 'T_TONGCHI_BV', '110000.00'],
      ['XML1.T_BNTT.NOT_SUM_OF_LINES', 'XML1', 1, 'T_BNTT', '0.00'],
    ],
  ],
  [
    'fund amount not scope minus co-payment',
    (r) => (r.XML1.T_BHTT = '85000.00'),
    [
      ['XML1.SHARES.NOT_TOTAL', 'XML1', 1, 'T_TONGCHI_BV', '106000.00'],
      ['XML1.T_BHTT.NOT_SCOPE_MINUS_COPAY', 'XML1', 1, 'T_BHTT', '84000.00'],
      ['XML1.T_BHTT.NOT_SUM_OF_LINES', 'XML1', 1, 'T_BHTT', '84000.00'],
    ],
  ],
  ['an amount with a thousands separator', (r) => (r.XML2[0]!.THANH_TIEN_BV = '15.000,00'), [['XML2.THANH_TIEN_BV.FORMAT', 'XML2', 1, 'THANH_TIEN_BV']]],
  // placeholders and literal null
  ['referral number left as the form\'s dots', (r) => (r.XML1.GIAY_CHUYEN_TUYEN = 'Số: ........ / BV'), [['ANY.PLACEHOLDER', 'XML1', 1, 'GIAY_CHUYEN_TUYEN']]],
  ['phone written as the word null', (r) => (r.XML1.DIEN_THOAI = 'null'), [['ANY.NULL_LITERAL', 'XML1', 1, 'DIEN_THOAI']]],
  ['result reader written as undefined', (r) => (r.XML4[1]!.MA_BS_DOC_KQ = 'undefined'), [['ANY.NULL_LITERAL', 'XML4', 2, 'MA_BS_DOC_KQ']]],
  // ages and birth dates
  ['born after admission', (r) => (r.XML1.NGAY_SINH = '202604010000'), [['XML1.NGAY_SINH.AFTER_ADMISSION', 'XML1', 1, 'NGAY_SINH']]],
  ['older than 120', (r) => (r.XML1.NGAY_SINH = '189001010000'), [['XML1.NGAY_SINH.AGE_IMPLAUSIBLE', 'XML1', 1, 'NGAY_SINH']]],
  ['newborn without the hour of birth', (r) => (r.XML1.NGAY_SINH = '202602250000'), [['XML1.NGAY_SINH.NEWBORN_WITHOUT_TIME', 'XML1', 1, 'NGAY_SINH']]],
  ['birth date in the 4210 form', (r) => (r.XML1.NGAY_SINH = '19800510'), [['XML1.NGAY_SINH.FORMAT', 'XML1', 1, 'NGAY_SINH']]],
];

describe('one planted mistake gives exactly its findings', () => {
  it.each(BAD)('%s', (_name, change, expected) => {
    expect(sortW(planted(change))).toEqual(sortW(expected));
  });

  it('reports an unreadable table and still checks the rest', () => {
    const got = findingsOf(cleanRecord(), (files) => {
      files[4] = { loaiHoso: 'XML5', noiDungFile: '!!not base64!!' };
    });
    expect(got).toEqual([['RECORD.TABLE_UNREADABLE', 'XML5', null, null]]);
  });

  it('reports a record without XML1', () => {
    const got = findingsOf(cleanRecord(), (files) => files.splice(0, 1));
    expect(got).toEqual([['RECORD.XML1_MISSING', 'XML1', null, null]]);
  });
});

// The good side of the rules whose good case is not already the clean record.
const GOOD: Array<[string, (r: CleanRecord) => void]> = [
  ['patient category 2 (emergency) and 3.3', (r) => (r.XML1.MA_DOITUONG_KCB = '2')],
  ['compounded drug code', (r) => (r.XML2[0]!.MA_THUOC = '40.1032+40.54')],
  ['traditional-medicine drug code', (r) => (r.XML2[0]!.MA_THUOC = '05C.135.5')],
  ['bed and suffixed service codes', (r) => (r.XML3[0]!.MA_DICH_VU = 'K03.1912', r.XML4.forEach((x) => (x.MA_DICH_VU = 'K03.1912')))],
  ['two aligned cards covering the whole stay', (r) => Object.assign(r.XML1, { MA_THE_BHYT: 'GD4921544909210;GD4921544909211', MA_DKBD: '94009;94009', GT_THE_TU: '20260101;20260303', GT_THE_DEN: '20260302;20261231' })],
  ['newborn with the hour of birth', (r) => (r.XML1.NGAY_SINH = '202602250830')],
  ['birth year only', (r) => (r.XML1.NGAY_SINH = '198000000000')],
  ['referral discharge with a clean paper', (r) => ((r.XML1.MA_LOAI_RV = '2'), (r.XML13 = cleanReferral()))],
  ['text result without a unit', (r) => (r.XML4[0]!.GIA_TRI = 'Âm tính', (r.XML4[0]!.DON_VI_DO = ''))],
  ['an amount written as an integer', (r) => (r.XML2[0]!.THANH_TIEN_BV = '15000')],
  ['rounding within 1 VND', (r) => (r.XML2[0]!.DON_GIA = '1499.999')],
  ['a result the same minute as its order', (r) => (r.XML4[0]!.NGAY_KQ = '202603011000', (r.XML3[0]!.NGAY_KQ = '202603011010'))],
  ['outpatient visit without an admission-order time', (r) => ((r.XML1.MA_LOAI_KCB = '01'), (r.XML1.NGAY_VAO_NOI_TRU = undefined))],
  ['dots inside free text', (r) => (r.XML5[0]!.DIEN_BIEN_LS = 'Theo dõi tiếp ..........')],
];

describe('good variants give no finding', () => {
  it.each(GOOD)('%s', (_name, change) => {
    expect(planted(change)).toEqual([]);
  });
});

describe('the catalogue', () => {
  it('has a bilingual message and a source for every rule', () => {
    for (const rule of RULES.values()) {
      expect(rule.message.vi.length, rule.id).toBeGreaterThan(10);
      expect(rule.message.en.length, rule.id).toBeGreaterThan(10);
      expect(rule.message.vi, rule.id).not.toEqual(rule.message.en);
      expect(rule.source, rule.id).toMatch(/\S/);
    }
  });
  it('is documented rule by rule in docs/claim-checks.md', () => {
    const doc = readFileSync(new URL('../../../../docs/claim-checks.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_.]+)` \|/gm)].map((m) => m[1]));
    expect([...RULES.keys()].filter((id) => !documented.has(id))).toEqual([]);
    expect([...documented].filter((id) => !RULES.has(id!))).toEqual([]);
  });
  it('covers every rule kind with a planted mistake above', () => {
    const planted = new Set(BAD.flatMap(([, , w]) => w.map(([rule]) => rule)));
    planted.add('RECORD.TABLE_UNREADABLE').add('RECORD.XML1_MISSING');
    const kindsCovered = new Set([...planted].map((id) => RULES.get(id)!.check.kind));
    const kinds = new Set([...RULES.values()].map((r) => r.check.kind));
    expect([...kinds].filter((k) => !kindsCovered.has(k))).toEqual([]);
  });
});

describe('the storable form', () => {
  it('round-trips and carries no value of the record', () => {
    const r = cleanRecord();
    r.XML1.HO_TEN = 'TRAN THI BINH';
    r.XML1.NGAY_SINH = '202604010000';
    r.XML1.DIEN_THOAI = 'null';
    r.XML1.T_THUOC = '66000.00';
    const files = recordFiles(r);
    const result = checkClaimRecord(files);
    const compact = compactFindings(result);
    expect(compact).toEqual([
      ['ANY.NULL_LITERAL', 'XML1', 1, 'DIEN_THOAI'],
      ['XML1.NGAY_SINH.AFTER_ADMISSION', 'XML1', 1, 'NGAY_SINH'],
      ['XML1.T_THUOC.NOT_SUM_OF_DRUGS', 'XML1', 1, 'T_THUOC', '65000.00'],
    ]);
    expect(compact.map(expandFinding)).toEqual(result.findings);
    const text = JSON.stringify(result);
    for (const personal of ['TRAN THI BINH', '202604010000', '079090001234', 'GD4921544909210', 'So 1 Duong Mau']) expect(text).not.toContain(personal);
    expect(expandFinding(['NO.SUCH.RULE', 'XML1', 1, 'X'])).toBeUndefined();
  });
  it('depends only on the record (pure)', () => {
    const files = recordFiles(cleanRecord());
    files.push(fileHoso('XML13', '<GIAYCHUYENTUYEN><MA_LYDO_CT>x</MA_LYDO_CT></GIAYCHUYENTUYEN>'));
    expect(checkClaimRecord(files)).toEqual(checkClaimRecord(files));
  });
});

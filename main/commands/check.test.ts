// `vhr-agent check` (DESIGN §10) on copies of the shared samples with one mistake planted at
// run time: the new finding is exactly the planted one, at its table, row and element, and
// nothing else changes. Also the line format, privacy and the exit codes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck, type CheckLine } from './check.js';
import { plant, readSample, sampleFile } from '../../test/support/claimChecks.js';
import { tempDir } from '../../test/support/tempDir.js';

const tmp = tempDir('vhr-check-');
afterAll(() => tmp.cleanup());

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

async function run(args: string[]): Promise<{ code: number; lines: CheckLine[]; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await runCheck(args, out.stream, err.stream);
  const stdout = out.text();
  return { code, stdout, stderr: err.text(), lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckLine) };
}

const key = (l: CheckLine) => [l.rule, l.table, l.row, l.field].join('|');

const SAMPLE = 'outpatient-visit.xml';
// [what is planted, table, row, element, value, the finding expected: rule (at the same place)]
const PLANTS: Array<[string, string, number, string, string, string]> = [
  ['drug given before ordered (16:54)', 'XML2', 2, 'NGAY_TH_YL', '202602231650', 'XML2.NGAY_TH_YL.BEFORE_ORDER'],
  ['imaging result before it was performed (15:21)', 'XML3', 2, 'NGAY_KQ', '202602231500', 'XML3.NGAY_KQ.BEFORE_PERFORMED'],
  ['XML4 result before its service was ordered (14:42)', 'XML4', 1, 'NGAY_KQ', '202602231430', 'XML4.NGAY_KQ.BEFORE_ORDER'],
  ['card expired the day before the visit', 'XML1', 1, 'GT_THE_DEN', '20260222', 'XML1.CARD.EXPIRED_BEFORE_DISCHARGE'],
  ['two card periods for one card', 'XML1', 1, 'GT_THE_TU', '20260101;20260201', 'XML1.CARD.LISTS_NOT_ALIGNED'],
  ['diagnosis text for the ICD-10 code', 'XML1', 1, 'MA_BENH_CHINH', 'Đau bụng', 'XML1.MA_BENH_CHINH.FORMAT'],
  ['care type without its zero', 'XML1', 1, 'MA_LOAI_KCB', '1', 'XML1.MA_LOAI_KCB.FORMAT'],
  ['unknown patient category', 'XML1', 1, 'MA_DOITUONG_KCB', 'X', 'XML1.MA_DOITUONG_KCB.FORMAT'],
  ['drug name for its code', 'XML2', 1, 'MA_THUOC', 'Amoxicillin 500mg', 'XML2.MA_THUOC.FORMAT'],
  ['service name for its code', 'XML3', 1, 'MA_DICH_VU', 'Khám bệnh', 'XML3.MA_DICH_VU.FORMAT'],
  ['3-digit facility', 'XML1', 1, 'MA_CSKCB', '941', 'XML1.MA_CSKCB.FORMAT'],
  ['numeric result without its unit', 'XML4', 1, 'GIA_TRI', '7.5', 'XML4.DON_VI_DO.REQUIRED_FOR_NUMBER'],
  ['referral discharge without XML13', 'XML1', 1, 'MA_LOAI_RV', '2', 'XML1.MA_LOAI_RV.REFERRAL_WITHOUT_XML13'],
  ['supply total without supply lines', 'XML1', 1, 'T_VTYT', '5000.00', 'XML1.T_VTYT.NOT_SUM_OF_SUPPLIES'],
  ['the form’s dots for the referral number', 'XML1', 1, 'GIAY_CHUYEN_TUYEN', 'Số: ........../BV', 'ANY.PLACEHOLDER'],
  ['the word null for the phone', 'XML1', 1, 'DIEN_THOAI', 'null', 'ANY.NULL_LITERAL'],
  ['born after the visit', 'XML1', 1, 'NGAY_SINH', '202603010000', 'XML1.NGAY_SINH.AFTER_ADMISSION'],
];

describe('vhr-agent check on planted copies of the shared samples', () => {
  let baseline: Set<string>;
  it('the unplanted sample has its own findings (the baseline)', async () => {
    const { code, lines } = await run([sampleFile(SAMPLE)]);
    baseline = new Set(lines.map(key));
    expect(code).toBe(1); // outpatient-visit's T_THUOC is the sum of the insured amounts, not of THANH_TIEN_BV
    expect(lines.some((l) => l.rule === 'XML1.T_THUOC.NOT_SUM_OF_DRUGS')).toBe(true);
  });

  it.each(PLANTS)('%s → reported where planted', async (_what, table, row, field, value, rule) => {
    const file = join(tmp.path, `${rule}-${table}-${row}-${field}.xml`);
    writeFileSync(file, plant(readSample(SAMPLE), table, row, field, value));
    const { lines } = await run([file]);
    const added = lines.filter((l) => !baseline.has(key(l)));
    expect(added.map((l) => [l.rule, l.table, l.row, l.field])).toEqual([[rule, table, row, field === 'GIA_TRI' ? 'DON_VI_DO' : field]]);
    expect(added[0]).toMatchObject({ file, record: 1, maLk: 'OP62317537' });
  });
});

describe('the finding lines', () => {
  it('carry exactly the contract fields and no personal value', async () => {
    const files = ['emergency-referral-xml13.xml', 'inpatient-30-drugs.xml', 'emergency.xml'].map(sampleFile);
    const { code, lines, stdout } = await run(['--format', 'xml130', ...files]);
    expect(code).toBe(1);
    expect(lines.length).toBeGreaterThan(50);
    for (const l of lines) {
      expect(Object.keys(l).slice(0, 9)).toEqual(['file', 'record', 'maLk', 'rule', 'severity', 'table', 'row', 'field', 'message']);
      expect(['error', 'warning']).toContain(l.severity);
      expect(l.row === null || l.row >= 1).toBe(true);
    }
    // names, citizen ids, card numbers, birth dates and phones of these samples
    for (const personal of ['VO THI GIANG', 'PHAM THI DUNG', '342265176735', '377612477524', 'LH2797199948566', 'TS2929109637710', '194501010000', '5137412715', 'Pham Thi Dung']) {
      expect(stdout).not.toContain(personal);
    }
  });

  it('exit 0 when no finding is an error', async () => {
    // emergency.xml: only a literal null, a leading-zero category and results without units (warnings)
    const { lines } = await run([sampleFile('emergency.xml')]);
    expect(lines.every((l) => l.severity === 'warning')).toBe(true);
    expect((await run([sampleFile('emergency.xml')])).code).toBe(0);
  });

  it('a file that is not claim XML is a finding about the file; usage mistakes exit 2', async () => {
    const hl7 = join(tmp.path, 'msg.hl7');
    writeFileSync(hl7, 'MSH|^~\\&|HIS|94170|||202602231426||ADT^A01|1|P|2.5\r');
    const notClaim = await run([hl7]);
    expect(notClaim.code).toBe(1);
    expect(notClaim.lines).toEqual([expect.objectContaining({ file: hl7, record: null, rule: 'FILE.NOT_CLAIM_XML', severity: 'error' })]);
    const missing = await run([join(tmp.path, 'nope.xml')]);
    expect(missing.lines[0]).toMatchObject({ rule: 'FILE.UNREADABLE', record: null });
    for (const args of [[], ['--format', 'hl7v2', sampleFile(SAMPLE)], ['--bogus', sampleFile(SAMPLE)]]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('vhr-agent check');
    }
  });
});

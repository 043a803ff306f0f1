// XML1 diagnoses → Condition. MA_BENH_CHINH + MA_BENH_KT (4210: MA_BENH, MA_BENHKHAC) give
// one vn-core-condition-diagnosis per distinct ICD-10 code, in the order written; the
// traditional-medicine codes (MA_BENH_YHCT) and the free-text admission and discharge
// diagnoses (CHAN_DOAN_VAO, CHAN_DOAN_RV; 4210: TEN_BENH) become vn-core-condition.
import type { Condition } from '@medplum/fhirtypes';
import { Xml130WarningCode, type MapContext } from './context.js';
import { icd10, splitList } from './datatypes.js';
import type { TableRow } from './row.js';

export interface Diagnosis {
  condition: Condition;
  /** True for MA_BENH_CHINH (the main diagnosis). */
  principal: boolean;
  /** True when coded (ICD-10 or YHCT); false for the free-text diagnoses. */
  coded: boolean;
  /** Encounter.diagnosis.use: admission (AD) or discharge (DD) diagnosis. */
  role: 'AD' | 'DD';
}

function readCode(ctx: MapContext, row: TableRow, name: string, raw: string): string | undefined {
  const p = icd10(raw);
  if (!p.ok) {
    ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
    return undefined;
  }
  if (p.value.normalised) ctx.normalise({ field: row.field(name), rule: 'icd10-dotted', from: raw, to: p.value.code });
  return p.value.code;
}

function icdCodes(ctx: MapContext, row: TableRow): { code: string; principal: boolean }[] {
  const codes: { code: string; principal: boolean }[] = [];
  const mainCodes = splitList(row.get('MA_BENH_CHINH'));
  if (mainCodes.length > 1) {
    ctx.warn(Xml130WarningCode.invalidValue, row.field('MA_BENH_CHINH'), 'MA_BENH_CHINH holds several codes; the first is the main diagnosis, the others are secondary');
  }
  mainCodes.forEach((raw, i) => {
    const code = readCode(ctx, row, 'MA_BENH_CHINH', raw);
    if (code) codes.push({ code, principal: i === 0 });
  });
  if (mainCodes.length === 0) ctx.warn(Xml130WarningCode.missingValue, row.field('MA_BENH_CHINH'), 'MA_BENH_CHINH (main diagnosis) is empty');
  for (const raw of splitList(row.get('MA_BENH_KT'))) {
    const code = readCode(ctx, row, 'MA_BENH_KT', raw);
    if (!code) continue;
    if (codes.some((c) => c.code === code)) {
      ctx.normalise({ field: row.field('MA_BENH_KT'), rule: 'duplicate-diagnosis-dropped', from: code });
      continue;
    }
    codes.push({ code, principal: false });
  }
  return codes;
}

/**
 * The names the HIS gave the coded diagnoses, from the free-text diagnoses written as
 * `(J18.9) Viêm phổi, không đặc hiệu; (I10) Bệnh lý tăng huyết áp` (XML130.md §6 CHAN_DOAN_VAO):
 * ICD-10 code → its text. The discharge text wins over the admission text.
 */
export function diagnosisNames(row: TableRow): Map<string, string> {
  const names = new Map<string, string>();
  for (const name of ['CHAN_DOAN_RV', 'CHAN_DOAN_VAO']) {
    for (const part of (row.peek(name) ?? '').split(';')) {
      const m = /^\s*\(\s*([^()]+?)\s*\)\s*(\S.*?)\s*$/.exec(part);
      if (!m) continue;
      const code = icd10(m[1]!);
      if (code.ok && !names.has(code.value.code)) names.set(code.value.code, m[2]!);
    }
  }
  return names;
}

export function buildDiagnoses(ctx: MapContext, row: TableRow): Diagnosis[] {
  const { pack } = ctx;
  const base = (id: string, profile: string): Condition => ({
    resourceType: 'Condition',
    id,
    meta: pack.meta(profile),
    verificationStatus: pack.concept('conditionVerification', 'confirmed'),
    category: [pack.concept('conditionCategory', 'encounter-diagnosis')],
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  });
  const names = diagnosisNames(row);
  const out: Diagnosis[] = icdCodes(ctx, row).map(({ code, principal }) => ({
    principal,
    coded: true,
    role: 'DD',
    condition: { ...base(ctx.recordResourceId('Condition', code), 'Condition.diagnosis'), code: pack.concept('icd10', code, names.get(code)) },
  }));
  for (const code of splitList(row.get('MA_BENH_YHCT'))) {
    out.push({
      principal: false,
      coded: true,
      role: 'DD',
      condition: { ...base(ctx.recordResourceId('Condition', 'YHCT', code), 'Condition'), code: pack.concept('yhctDisease', code) },
    });
  }
  const texts: [string, 'AD' | 'DD'][] = [
    ['CHAN_DOAN_VAO', 'AD'],
    ['CHAN_DOAN_RV', 'DD'],
  ];
  for (const [name, role] of texts) {
    const text = row.get(name);
    if (!text) continue;
    out.push({ principal: false, coded: false, role, condition: { ...base(ctx.recordResourceId('Condition', name), 'Condition'), code: { text } } });
  }
  return out;
}

// Data quality of one claim record by the platform's motto "đúng – đủ – sạch – sống"
// (DESIGN §6): correct (converts and validates), sufficient (the elements the ministry
// requires are present), clean (what had to be normalised), alive (how long after the end
// of the encounter it was converted). Pure: the validation issues and `now` are passed in,
// so this loads no validator (quality.ts converts and validates in one call).
import type { ValidationIssue } from '../../../fhir/validator.js';
import type { DetailedOutcome } from '../convert.js';
import { claimDateTime } from '../mappers/datatypes.js';
import type { Normalisation } from '../envelope/innerXml.js';

/**
 * XML1 elements a record is not complete without (XML130.md §6; CCCD is mandatory for the
 * EMR under TT 13/2025, VNCORE.md §2). Each with the check its value must pass, if any.
 */
export const REQUIRED_XML1: ReadonlyArray<readonly [element: string, check?: (v: string) => boolean]> = [
  ['MA_LK'],
  ['MA_BN'],
  ['HO_TEN'],
  ['SO_CCCD', (v) => /^\d{12}$/.test(v)],
  ['NGAY_SINH'],
  ['GIOI_TINH', (v) => ['1', '2', '3'].includes(v)],
  ['DIA_CHI'],
  ['MATINH_CU_TRU'],
  ['MAXA_CU_TRU'],
  ['MA_CSKCB'],
  ['MA_LOAI_KCB'],
  ['MA_DOITUONG_KCB'],
  ['NGAY_VAO', (v) => claimDateTime(v).ok],
  ['NGAY_RA', (v) => claimDateTime(v).ok],
  ['MA_BENH_CHINH'],
  ['MA_KHOA'],
  ['KET_QUA_DTRI'],
  ['MA_LOAI_RV'],
];

export interface QualityReport {
  /** đúng: the record converted and its bundle has no validation error. */
  correct: boolean;
  /** Why it is not correct: the conversion error code, or the validation error messages. */
  errors: string[];
  /** đủ: required elements that are absent or unusable, as `XML1/NAME`. */
  sufficient: { missing: string[] };
  /** sạch: values changed to be usable, and the converter's warnings count. */
  clean: { normalisations: Normalisation[]; warnings: number };
  /** sống: hours from the end of the encounter (NGAY_RA, else NGAY_VAO) to `now`. */
  alive: { encounterEnd?: string; hoursAfterEncounter?: number };
}

export function assessQuality(outcome: DetailedOutcome, issues: readonly ValidationIssue[], now: Date): QualityReport {
  if (!outcome.ok) {
    return { correct: false, errors: [`${outcome.code}: ${outcome.message}`], sufficient: { missing: [] }, clean: { normalisations: [], warnings: 0 }, alive: {} };
  }
  const xml1 = outcome.xml1 ?? new Map<string, string>();
  const missing = REQUIRED_XML1.filter(([name, check]) => {
    const v = xml1.get(name);
    return v === undefined || (check !== undefined && !check(v));
  }).map(([name]) => `XML1/${name}`);
  const errors = issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`);
  const end = xml1.get('NGAY_RA') ?? xml1.get('NGAY_VAO');
  const endTime = end ? claimDateTime(end) : undefined;
  const alive: QualityReport['alive'] = {};
  if (endTime?.ok) {
    alive.encounterEnd = endTime.value;
    const ms = now.getTime() - Date.parse(endTime.value);
    if (Number.isFinite(ms)) alive.hoursAfterEncounter = Math.round(ms / 36e5);
  }
  return {
    correct: errors.length === 0,
    errors,
    sufficient: { missing },
    clean: { normalisations: outcome.normalisations ?? [], warnings: outcome.warnings.length },
    alive,
  };
}

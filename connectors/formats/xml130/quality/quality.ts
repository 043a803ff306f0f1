// Data quality of one claim record (assess.ts), with the conversion and the validation in
// one call for callers that have neither yet.
import type { Bundle } from '@medplum/fhirtypes';
import { validateR4, type ValidationIssue } from '../../../fhir/validator.js';
import type { ConvertContext } from '../../types.js';
import { convertClaimRecordDetailed, type DetailedOutcome } from '../convert.js';
import { assessQuality, type QualityReport } from './assess.js';

export { REQUIRED_XML1, assessQuality, type QualityReport } from './assess.js';

/**
 * Converts, validates and assesses one stored record. A caller that already converts with
 * convertClaimRecordDetailed and validates should call assessQuality instead: one conversion.
 */
export function assessClaimRecord(
  storedHosoXml: string,
  ctx: ConvertContext,
  validate: (bundle: Bundle) => readonly ValidationIssue[] = validateR4,
): { outcome: DetailedOutcome; quality: QualityReport } {
  const outcome = convertClaimRecordDetailed(storedHosoXml, ctx);
  return { outcome, quality: assessQuality(outcome, outcome.ok ? validate(outcome.bundle) : [], ctx.now) };
}

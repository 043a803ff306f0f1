// One record → its FHIR Bundle, issues and quality, all serialised (DESIGN §4 convert stage).
// The one function that converts a record for the agent: the pipeline calls it in-process,
// the conversion threads (recordTask.ts) call it for records to validate. Pure like the
// converters it calls: no I/O, the clock comes in with the context. Conversion alone (no
// validator loaded) is conversion.ts.
import type { ConvertContext } from '../../connectors/formats/types.js';
import { hasErrors, validateR4 } from '../../connectors/fhir/validator.js';
import { checkStoredRecord, compactFindings } from '../../connectors/formats/xml130/checks/engine.js';
import { convertedResult, convertUnvalidated, runConverter } from './conversion.js';
import { ConvertErrorCode } from './errorCodes.js';
import { hosoToXml } from '../../connectors/formats/xml130/envelope/envelope.js';
import type { ConvertRecordOptions, EngineInput, RecordIssues, RecordResult } from './recordResult.js';

export { ConvertErrorCode } from './errorCodes.js';
export type { ConvertedFacts, ConvertRecordOptions, EngineInput, RecordFailure, RecordIssues, RecordResult } from './recordResult.js';

/**
 * Converts one record (stored bytes, the text of a claim record already decoded, or a claim record as split).
 * Never throws for anything a record can contain: a converter bug becomes an invalid result.
 */
export function convertRecord(format: string, raw: EngineInput, ctx: ConvertContext, opts: ConvertRecordOptions): RecordResult {
  if (!opts.validate) return convertUnvalidated(format, raw, ctx);
  const findingsJson = claimFindings(format, raw);
  const converted = runConverter(format, raw, ctx, findingsJson);
  if (!converted.ok) return converted;
  const { handler, outcome } = converted;
  const validation = validateR4(outcome.bundle);
  if (hasErrors(validation)) {
    const errors = validation.filter((v) => v.severity === 'error');
    const first = errors[0]!;
    const issues: RecordIssues = { warnings: outcome.warnings, notMapped: outcome.notMapped, validation };
    return {
      ok: false,
      code: ConvertErrorCode.fhirInvalid,
      message: `the FHIR bundle is not valid R4 (${errors.length} error${errors.length > 1 ? 's' : ''}); first: ${first.path}: ${first.message}`,
      issuesJson: JSON.stringify(issues),
      findingsJson,
    };
  }
  const quality = handler.assess?.(outcome, validation, ctx.now);
  return convertedResult(format, outcome, ctx, { validation, quality, findingsJson });
}

/**
 * Pre-submission checks of a claim record (docs/claim-checks.md), with the conversion: the
 * operator sees what the insurance portal would flag. A finding never stops delivery, and a
 * fault of the checks never stops conversion (null: not checked). Other formats: null.
 */
function claimFindings(format: string, raw: EngineInput): string | null {
  if (format !== 'xml130') return null;
  try {
    const text =
      typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8') : hosoToXml(raw, { maCskcb: raw.maCskcb });
    return JSON.stringify(compactFindings(checkStoredRecord(text)));
  } catch {
    return null;
  }
}

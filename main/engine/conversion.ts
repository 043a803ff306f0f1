// One record through its format's converter, and the converted record serialised (DESIGN §4
// convert stage), without validation: what `vhr-agent convert` runs (it only converts, DESIGN
// §10). convertRecord.ts adds base R4 validation, quality and the claim checks on top. This
// module loads no validator, so a thread that only converts starts without it.
import type { ConvertContext, ConvertOutcome } from '../../connectors/formats/types.js';
import { handlerFor, type FormatHandler, type RecordQuality } from '../../connectors/formats/registry.js';
import type { ValidationIssue } from '../../connectors/fhir/validator.js';
import { ConvertErrorCode } from './errorCodes.js';
import { computeOutputs } from './recordOutputs.js';
import type { EngineInput, RecordConverted, RecordFailure, RecordIssues, RecordResult } from './recordResult.js';

export type ConvertedOutcome = Extract<ConvertOutcome, { ok: true }>;

/**
 * The record's outcome from its format's converter. Never throws for anything a record can
 * contain: a converter bug becomes a failure with the reason. `findingsJson` is carried into
 * a failure (what was found about the record before it failed).
 */
export function runConverter(
  format: string,
  raw: EngineInput,
  ctx: ConvertContext,
  findingsJson: string | null,
): { ok: true; handler: FormatHandler; outcome: ConvertedOutcome } | RecordFailure {
  const handler = handlerFor(format);
  if (!handler) return { ok: false, code: ConvertErrorCode.unknownFormat, message: `no converter for format "${format}"`, issuesJson: null, findingsJson: null };
  let outcome;
  try {
    outcome = handler.convert(raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : raw, ctx);
  } catch (err) {
    // A converter bug must not stop the pipeline: the record is kept and shown.
    return { ok: false, code: ConvertErrorCode.converterCrashed, message: `the converter failed on this record: ${(err as Error).message}`, issuesJson: null, findingsJson };
  }
  if (!outcome.ok) return { ok: false, code: outcome.code, message: outcome.message, issuesJson: null, findingsJson };
  return { ok: true, handler, outcome };
}

/** A converted record as its result: bundle and issues as text, its facts and extra outputs. */
export function convertedResult(
  format: string,
  outcome: ConvertedOutcome,
  ctx: ConvertContext,
  checked: { validation: ValidationIssue[]; quality: RecordQuality | undefined; findingsJson: string | null },
): RecordConverted {
  const issues: RecordIssues = { warnings: outcome.warnings, notMapped: outcome.notMapped, validation: checked.validation };
  const orderKey = outcome.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource?.id ?? null;
  return {
    ok: true,
    bundleJson: JSON.stringify(outcome.bundle),
    issuesJson: JSON.stringify(issues),
    entryCount: outcome.bundle.entry?.length ?? 0,
    orderKey,
    naturalKey: outcome.naturalKey,
    qualityJson: checked.quality ? JSON.stringify(checked.quality) : null,
    findingsJson: checked.findingsJson,
    outputs: computeOutputs({ format, outcome, validation: checked.validation, ctx }),
  };
}

/** Converts one record without validating it (see convertRecord for the agent's full path). */
export function convertUnvalidated(format: string, raw: EngineInput, ctx: ConvertContext): RecordResult {
  const converted = runConverter(format, raw, ctx, null);
  if (!converted.ok) return converted;
  return convertedResult(format, converted.outcome, ctx, { validation: [], quality: undefined, findingsJson: null });
}

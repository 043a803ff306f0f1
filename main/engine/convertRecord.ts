// One record → its FHIR Bundle, issues and quality, all serialised (DESIGN §4 convert stage).
// The one function that converts a record: the pipeline calls it in-process today, the
// conversion threads (worker.ts) call it for `vhr-agent convert` and the agent. Pure like the
// converters it calls: no I/O, the clock comes in with the context.
import type { ConvertContext } from '../../connectors/formats/types.js';
import { handlerFor, type RecordQuality } from '../../connectors/formats/registry.js';
import { hasErrors, validateR4, type ValidationIssue } from '../../connectors/fhir/validator.js';
import { checkStoredRecord, compactFindings } from '../../connectors/formats/xml130/checks/engine.js';
import { computeOutputs } from './recordOutputs.js';

export const ConvertErrorCode = {
  unknownFormat: 'FORMAT_UNKNOWN',
  fhirInvalid: 'FHIR_INVALID',
  converterCrashed: 'CONVERTER_FAILED',
  /** The conversion thread died (out of memory, native fault) while on this record. */
  threadCrashed: 'CONVERTER_CRASHED',
  /** The record took longer than the per-record time limit; its thread was stopped. */
  timedOut: 'CONVERT_TIMEOUT',
} as const;

export interface RecordIssues {
  warnings: { code: string; field: string; message: string }[];
  notMapped: string[];
  validation: ValidationIssue[];
}

export interface ConvertRecordOptions {
  /**
   * Validate against base R4 and assess quality (the agent does; `vhr-agent convert` only
   * converts, its output is checked by `vhr-agent validate`, DESIGN §10).
   */
  validate: boolean;
}

export type RecordResult =
  | {
      ok: true;
      /** The Bundle as JSON text. */
      bundleJson: string;
      /** RecordIssues as JSON text. */
      issuesJson: string;
      entryCount: number;
      /** Records of one patient reach each store in the order received (DESIGN §4.7). */
      orderKey: string | null;
      /** The record's business key (e.g. MA_CSKCB + MA_LK, or MSH-10), for reports. */
      naturalKey: string;
      /** RecordQuality as JSON text, when the format assesses quality and validation ran. */
      qualityJson: string | null;
      /** Claim-check findings (CompactFinding[] as JSON), for claim records checked (see claimFindings). */
      findingsJson: string | null;
      /** Extra per-record outputs by name (recordOutputs.ts), e.g. the search fields. */
      outputs: Record<string, string>;
    }
  | RecordFailure;

/** A record that did not convert: its code, the reason in plain words, what was found on the way. */
export interface RecordFailure {
  ok: false;
  code: string;
  message: string;
  issuesJson: string | null;
  findingsJson: string | null;
}

/**
 * What a converted record carries besides its bundle. The bundle travels as text here, as
 * transferred bytes out of a thread (protocol.ts) and as a Buffer to the pool's caller (pool.ts).
 */
export type ConvertedFacts = Omit<Extract<RecordResult, { ok: true }>, 'bundleJson'>;

/**
 * Converts one stored record (raw bytes, or the text of a claim record already decoded).
 * Never throws for anything a record can contain: a converter bug becomes an invalid result.
 */
export function convertRecord(format: string, raw: Uint8Array | string, ctx: ConvertContext, opts: ConvertRecordOptions): RecordResult {
  const handler = handlerFor(format);
  if (!handler) return { ok: false, code: ConvertErrorCode.unknownFormat, message: `no converter for format "${format}"`, issuesJson: null, findingsJson: null };
  const findingsJson = opts.validate ? claimFindings(format, raw) : null;
  let outcome;
  try {
    outcome = handler.convert(typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), ctx);
  } catch (err) {
    // A converter bug must not stop the pipeline: the record is kept and shown.
    return { ok: false, code: ConvertErrorCode.converterCrashed, message: `the converter failed on this record: ${(err as Error).message}`, issuesJson: null, findingsJson };
  }
  if (!outcome.ok) return { ok: false, code: outcome.code, message: outcome.message, issuesJson: null, findingsJson };
  const validation = opts.validate ? validateR4(outcome.bundle) : [];
  const issues: RecordIssues = { warnings: outcome.warnings, notMapped: outcome.notMapped, validation };
  if (hasErrors(validation)) {
    const errors = validation.filter((v) => v.severity === 'error');
    const first = errors[0]!;
    return {
      ok: false,
      code: ConvertErrorCode.fhirInvalid,
      message: `the FHIR bundle is not valid R4 (${errors.length} error${errors.length > 1 ? 's' : ''}); first: ${first.path}: ${first.message}`,
      issuesJson: JSON.stringify(issues),
      findingsJson,
    };
  }
  const orderKey = outcome.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource?.id ?? null;
  const quality: RecordQuality | undefined = opts.validate ? handler.assess?.(outcome, validation, ctx.now) : undefined;
  return {
    ok: true,
    bundleJson: JSON.stringify(outcome.bundle),
    issuesJson: JSON.stringify(issues),
    entryCount: outcome.bundle.entry?.length ?? 0,
    orderKey,
    naturalKey: outcome.naturalKey,
    qualityJson: quality ? JSON.stringify(quality) : null,
    findingsJson,
    outputs: computeOutputs({ format, outcome, validation, ctx }),
  };
}

/**
 * Pre-submission checks of a claim record (docs/claim-checks.md), with the conversion: the
 * operator sees what the insurance portal would flag. A finding never stops delivery, and a
 * fault of the checks never stops conversion (null: not checked). Other formats: null.
 */
function claimFindings(format: string, raw: Uint8Array | string): string | null {
  if (format !== 'xml130') return null;
  try {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    return JSON.stringify(compactFindings(checkStoredRecord(text)));
  } catch {
    return null;
  }
}

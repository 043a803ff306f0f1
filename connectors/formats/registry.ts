// Chooses the converter for a stored record by its format, and the format's own data-quality
// assessment ("đúng – đủ – sạch – sống") where it has one.
import type { ConvertContext, ConvertOutcome } from './types.js';
import { convertClaimRecordDetailed, type DetailedOutcome } from './xml130/convert.js';
import type { SplitHoso } from './xml130/envelope/envelope.js';
import { assessQuality } from './xml130/quality/assess.js';
import { convertHl7v2Message } from './hl7v2/convert.js';
import type { ValidationIssue } from '../fhir/validator.js';

/**
 * A record as the converters take it: the stored record's bytes; a claim record may come as
 * its text, already decoded, or as split from its envelope (SplitHoso, `vhr-agent convert`).
 */
export type RecordInput = Buffer | string | SplitHoso;

export type Converter = (raw: RecordInput, ctx: ConvertContext) => ConvertOutcome;

/** What the quality report needs of one record; names and counts only, never values. */
export interface RecordQuality {
  /** "đủ": required input fields that are absent, by name (e.g. XML1/SO_CCCD). */
  missing: string[];
  /** "sạch": values normalised while reading. */
  normalised: number;
}

export interface FormatHandler {
  convert: Converter;
  assess?: (outcome: ConvertOutcome, validation: readonly ValidationIssue[], now: Date) => RecordQuality;
}

const HANDLERS: Record<string, FormatHandler> = {
  xml130: {
    convert: (raw, ctx) => convertClaimRecordDetailed(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw, ctx),
    assess: (outcome, validation, now) => {
      const q = assessQuality(outcome as DetailedOutcome, validation, now);
      return { missing: q.sufficient.missing, normalised: q.clean.normalisations.length };
    },
  },
  hl7v2: { convert: (raw, ctx) => convertHl7v2Message(hl7v2Bytes(raw), ctx) },
};

export function converterFor(format: string): Converter | undefined {
  return HANDLERS[format]?.convert;
}

export function handlerFor(format: string): FormatHandler | undefined {
  return HANDLERS[format];
}

/** An HL7v2 message's bytes; a split claim record is not one (the caller's error, reported as a converter failure). */
function hl7v2Bytes(raw: RecordInput): Buffer {
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  if (Buffer.isBuffer(raw)) return raw;
  throw new Error('an HL7v2 message was expected, not a claim record');
}

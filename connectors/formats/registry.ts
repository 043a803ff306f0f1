// Chooses the converter for a stored record by its format, and the format's own data-quality
// assessment ("đúng – đủ – sạch – sống") where it has one.
import type { ConvertContext, ConvertOutcome } from './types.js';
import { convertClaimRecordDetailed, type DetailedOutcome } from './xml130/convert.js';
import { assessQuality } from './xml130/quality/assess.js';
import { convertHl7v2Message } from './hl7v2/convert.js';
import type { ValidationIssue } from '../fhir/validator.js';

/** Raw bytes of a stored record; a claim record may come as its text, already decoded. */
export type Converter = (raw: Buffer | string, ctx: ConvertContext) => ConvertOutcome;

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
    convert: (raw, ctx) => convertClaimRecordDetailed(typeof raw === 'string' ? raw : raw.toString('utf8'), ctx),
    assess: (outcome, validation, now) => {
      const q = assessQuality(outcome as DetailedOutcome, validation, now);
      return { missing: q.sufficient.missing, normalised: q.clean.normalisations.length };
    },
  },
  hl7v2: { convert: (raw, ctx) => convertHl7v2Message(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, ctx) },
};

export function converterFor(format: string): Converter | undefined {
  return HANDLERS[format]?.convert;
}

export function handlerFor(format: string): FormatHandler | undefined {
  return HANDLERS[format];
}

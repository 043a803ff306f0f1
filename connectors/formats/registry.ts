// Chooses the converter for a stored record by its format.
import type { ConvertContext, ConvertOutcome } from './types.js';
import { convertClaimRecord } from './xml130/convert.js';
import { convertHl7v2Message } from './hl7v2/convert.js';

export type Converter = (raw: Buffer, ctx: ConvertContext) => ConvertOutcome;

const CONVERTERS: Record<string, Converter> = {
  xml130: (raw, ctx) => convertClaimRecord(raw.toString('utf8'), ctx),
  hl7v2: (raw, ctx) => convertHl7v2Message(raw, ctx),
};

export function converterFor(format: string): Converter | undefined {
  return CONVERTERS[format];
}

// Extra per-record outputs computed in the conversion thread, next to the bundle, while the
// converted object graph is still in hand (DESIGN §4.9): the main thread then stores small
// strings instead of parsing the whole bundle JSON again. Each output is named; its value is
// text (or null when it does not apply). Another per-record product (e.g. claim findings)
// plugs in by adding one entry to RECORD_OUTPUTS.
import type { ConvertContext, ConvertOutcome } from '../../connectors/formats/types.js';
import type { ValidationIssue } from '../../connectors/fhir/validator.js';
import { searchFieldsOf } from '../store/searchFields.js';

export interface RecordOutputInput {
  format: string;
  outcome: Extract<ConvertOutcome, { ok: true }>;
  validation: readonly ValidationIssue[];
  ctx: ConvertContext;
}

export interface RecordOutput {
  name: string;
  compute(input: RecordOutputInput): string | null;
}

/** Names of the outputs the store reads. */
export const RecordOutputName = {
  /** SearchFields (main/store/searchFields.ts) as JSON. */
  searchFields: 'searchFieldsJson',
} as const;

export const RECORD_OUTPUTS: readonly RecordOutput[] = [
  { name: RecordOutputName.searchFields, compute: ({ outcome }) => JSON.stringify(searchFieldsOf(outcome.bundle as Parameters<typeof searchFieldsOf>[0])) },
];

/** Every output of one converted record; one output that throws is left out, the record still converts. */
export function computeOutputs(input: RecordOutputInput, outputs: readonly RecordOutput[] = RECORD_OUTPUTS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of outputs) {
    try {
      const v = o.compute(input);
      if (v !== null) out[o.name] = v;
    } catch {
      // A missing extra output is recomputed or absent downstream; it never costs the record.
    }
  }
  return out;
}

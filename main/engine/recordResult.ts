// What converting one record yields (DESIGN §4 convert stage), as the conversion threads send it
// back: serialised text and small facts, never object graphs.
import type { ValidationIssue } from '../../connectors/fhir/validator.js';
import type { SplitHoso } from '../../connectors/formats/xml130/envelope/envelope.js';

/**
 * A record handed to the engine: the stored record's bytes, a claim record's text already
 * decoded, or a claim record as split from its envelope (`vhr-agent convert`, which so never
 * writes the record as text for the thread to read back).
 */
export type EngineInput = Uint8Array | string | SplitHoso;

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
      /** Claim-check findings (CompactFinding[] as JSON), for claim records checked (see convertRecord.ts). */
      findingsJson: string | null;
      /** Extra per-record outputs by name (recordOutputs.ts), e.g. the search fields. */
      outputs: Record<string, string>;
    }
  | RecordFailure;

export type RecordConverted = Extract<RecordResult, { ok: true }>;

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
export type ConvertedFacts = Omit<RecordConverted, 'bundleJson'>;

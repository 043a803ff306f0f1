// The contract between the pipeline and each input format (claim XML, HL7v2).
// Converters are pure: no I/O, no clock (the caller passes `now`), see STYLE habit 7.
import type { Bundle } from '@medplum/fhirtypes';

export const RecordFormat = { xml130: 'xml130', hl7v2: 'hl7v2' } as const;
export type RecordFormat = (typeof RecordFormat)[keyof typeof RecordFormat];

/** One finding about a record that did not stop its conversion. */
export interface RecordWarning {
  code: string;
  /** Where in the input, e.g. `XML1/NGAY_SINH` or `PID-7`. */
  field: string;
  message: string;
}

export interface ConvertContext {
  /** Facility code (MA_CSKCB) of this installation, used when the record lacks one. */
  facilityCode: string;
  /** Reference instant for anything time-relative; converters never read the clock. */
  now: Date;
  /** The active profile pack (identifier systems, profile URLs, code maps). */
  profilePack: ProfilePack;
}

export type ConvertOutcome =
  | {
      ok: true;
      bundle: Bundle;
      /** Business key of the record: `MA_CSKCB|MA_LK` for claims, MSH-10 for HL7v2. */
      naturalKey: string;
      warnings: RecordWarning[];
      /** Input elements/fields present in the record that no mapping consumed. */
      notMapped: string[];
    }
  | { ok: false; code: string; message: string; field?: string };

/**
 * Profile pack: VN Core identifier systems, profile canonicals and code maps kept as data
 * (DESIGN §6), so the ministry can push another pack without a new release.
 */
export interface ProfilePack {
  id: string;
  version: string;
  canonicalBase: string;
  /** Identifier systems by meaning: cccd, bhyt, maCskcb, maLk, mrn … */
  identifierSystems: Record<string, string>;
  /** meta.profile per resource type (or per named use, e.g. `Condition.diagnosis`). */
  profiles: Record<string, string>;
  /** Extension canonicals by meaning. */
  extensions: Record<string, string>;
  /** Code systems by meaning. */
  codeSystems: Record<string, string>;
  /** Local → national code maps, by name (e.g. `MA_KHOA`). */
  codeMaps: Record<string, Record<string, string>>;
}

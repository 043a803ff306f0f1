// The rows and records the store takes and gives (its ports speak only these and the states).
import type { SearchFields } from './searchFields.js';

/**
 * A record's original bytes given as a sequence of chunks (a very large claim record, see
 * connectors/sources/folder/storedRecord.ts): hashed and sealed chunk by chunk, so that the
 * record is never held whole as one buffer (DESIGN §4.2).
 */
export interface RawChunks {
  /** Total bytes of all chunks. */
  readonly size: number;
  /**
   * The bytes, in order; may be walked more than once (hash, then seal). A chunk may be a view
   * of a buffer reused for the next one: use it before asking for the next.
   */
  chunks(): Iterable<Uint8Array>;
}

export interface NewRecord {
  sourceId: string;
  format: string;
  raw: Buffer | RawChunks;
  naturalKey: string | null;
  recordIndex?: number;
  /** A record known bad at intake (e.g. unreadable base64) is stored straight as invalid. */
  invalid?: { code: string; message: string };
}

export interface InsertResult {
  id: number;
  /** True when the same bytes from the same source were already stored (nothing written). */
  duplicate: boolean;
}

export interface FileProgress {
  fileId: number;
  state: string;
  recordsCommitted: number;
}

export interface MessageToConvert {
  id: number;
  sourceId: string;
  format: string;
  /** The original bytes; null when the record is over the size the caller can convert (not even read). */
  raw: Buffer | null;
  rawSize: number;
  naturalKey: string | null;
  version: number;
}

/** What converting one record came to, as the conversion threads hand it back (commitConversions). */
export type ConversionResult =
  | {
      ok: true;
      messageId: number;
      /** The FHIR Bundle, UTF-8 JSON. */
      bundle: Buffer;
      issuesJson: string;
      resourceCount: number;
      /** Records of one patient reach each store in the order received (DESIGN §4.7). */
      orderKey: string | null;
      quality?: { missing: readonly string[]; normalised: number };
      /** Read from the bundle where it was built; absent: read here from the bundle. */
      searchFields?: SearchFields;
      /** Claim-check findings of the record (stored beside the outcome, never holding it back). */
      findings?: StoredFindings | null;
    }
  | { ok: false; messageId: number; code: string; message: string; issuesJson: string | null; findings?: StoredFindings | null };

export interface DueDelivery {
  messageId: number;
  destinationId: string;
  attempts: number;
  naturalKey: string | null;
  bundle: string;
  /** Parts of this record already in the store (0 when it goes whole or has not started). */
  partsDone: number;
  /** Entries per request the parts were cut for (0: no limit, batch mode); null until cut in parts. */
  partsLimit: number | null;
}

/** How far a record delivered in parts has got at one destination. */
export interface PartProgress {
  partsDone: number;
  partsTotal: number;
  partsLimit: number;
}

/** An entry limit a store taught by refusing a request for its size. */
export interface LearnedLimit {
  maxEntries: number;
  httpStatus: number;
  /** The store's words. */
  reason: string;
}

export interface AttemptRecord {
  messageId: number;
  destinationId: string;
  startedAt: number;
  durationMs: number;
  outcome: string;
  errorCode?: string;
  httpStatus?: number;
  response?: string;
}

export interface SourceCounts {
  sourceId: string;
  received: number;
  lastReceivedAt: number | null;
}

export interface DestinationCounts {
  destinationId: string;
  pending: number;
  delivered: number;
  rejected: number;
  lastSuccessAt: number | null;
}

export interface MessageRow {
  id: number;
  sourceId: string;
  format: string;
  naturalKey: string | null;
  version: number;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  receivedAt: number;
  convertedAt: number | null;
  resourceCount: number | null;
  rawSize: number;
}

export interface DeliveryRow {
  messageId: number;
  destinationId: string;
  state: string;
  attempts: number;
  nextAttemptAt: number;
  lastErrorCode: string | null;
  lastError: string | null;
  lastResponse: string | null;
  deliveredAt: number | null;
  /** A record delivered in parts: how many are in, of how many (null when it goes whole). */
  partsDone: number;
  partsTotal: number | null;
  /** State superseded: the newer version's message id. */
  supersededBy: number | null;
}

export interface AlertRow {
  id: number;
  kind: string;
  target: string;
  message: string;
  messageVi: string;
  openedAt: number;
  closedAt: number | null;
}

/** A claim record's check findings as stored (migration 9): rule ids and places, never values. */
export interface StoredFindings {
  /** The compact findings, JSON `[[rule, table, row, field, expected?], ...]`. */
  compactJson: string;
  /** The same, rule by rule. */
  rules: readonly { rule: string; severity: 'error' | 'warning'; dimension: 'correct' | 'sufficient' | 'clean'; count: number }[];
}

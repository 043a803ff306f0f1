// The rows and records the store takes and gives (its ports speak only these and the states).

export interface NewRecord {
  sourceId: string;
  format: string;
  raw: Buffer;
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
  raw: Buffer;
  naturalKey: string | null;
  version: number;
}

export interface DueDelivery {
  messageId: number;
  destinationId: string;
  attempts: number;
  naturalKey: string | null;
  bundle: string;
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

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

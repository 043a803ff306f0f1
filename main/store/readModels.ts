// Read models: what the status page, the record views and the reports read. Counts come from
// trigger-maintained counters (migration 7), so status costs the same at any size.
import { openStoreText } from './storeWords.js';
import type { Db, Row } from './database.js';
import { preparedStatements } from './prepared.js';
import type { PayloadCipher } from './payloadCipher.js';
import { DeliveryState, MessageState, OPEN_DELIVERY_STATES } from './states.js';
import type { AttemptRecord, DeliveryRow, DestinationCounts, MessageRow, SourceCounts } from './types.js';

const MESSAGE_COLUMNS = 'id, source_id, format, natural_key, version, state, error_code, error_message, received_at, converted_at, resource_count, raw_size';

const statements = preparedStatements((db: Db) => ({
  countsByState: db.prepare("SELECT state, n FROM state_counts WHERE scope = 'message' AND n > 0"),
  sourceCounts: db.prepare("SELECT key AS source_id, n FROM state_counts WHERE scope = 'source'"),
  // messages_by_source_time: the newest record of one source
  sourceLast: db.prepare('SELECT max(received_at) AS last FROM messages WHERE source_id = ?'),
  destinationCounts: db.prepare("SELECT key AS destination_id, state, n FROM state_counts WHERE scope = 'delivery' AND n > 0"),
  // deliveries_delivered: the last success of one destination
  lastDelivered: db.prepare('SELECT max(delivered_at) AS last FROM deliveries WHERE destination_id = ? AND delivered_at IS NOT NULL'),
  lastReceived: db.prepare('SELECT max(received_at) AS t FROM messages'),
  message: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
  messageDetail: db.prepare('SELECT raw, bundle, issues FROM messages WHERE id = ?'),
  deliveriesOf: db.prepare(
    'SELECT message_id, destination_id, state, attempts, next_attempt_at, last_error_code, last_error, last_response, delivered_at, parts_done, parts_total, superseded_by FROM deliveries WHERE message_id = ? ORDER BY destination_id',
  ),
  attemptsOf: db.prepare('SELECT * FROM delivery_attempts WHERE message_id = ? ORDER BY id'),
  // Honest backlog: records owed to at least one destination (deliveries_queue and in-flight rows).
  awaiting: db.prepare("SELECT count(DISTINCT message_id) AS n FROM deliveries WHERE state IN ('pending', 'in_flight', 'retry_wait', 'paused')"),
  // The file a record came from (basename shown) and its position there, for the record views.
  origin: db.prepare('SELECT f.path AS path, m.record_index AS record_index FROM messages m JOIN ingested_files f ON f.id = m.file_id WHERE m.id = ?'),
  listMessages: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?`),
}));

export class RecordReader {
  constructor(
    private readonly db: Db,
    private readonly cipher: PayloadCipher,
  ) {}

  /** Records (not deliveries) still owed to at least one destination. */
  recordsAwaitingDelivery(): number {
    return (statements(this.db).awaiting.get() as { n: number }).n;
  }

  /** Where a record was read from: its file's path and its 1-based HOSO number in that file; undefined for MLLP. */
  recordOrigin(messageId: number): { file: string; recordNumber: number | null } | undefined {
    const r = statements(this.db).origin.get(messageId) as { path: string; record_index: number | null } | undefined;
    return r ? { file: r.path, recordNumber: r.record_index === null ? null : r.record_index + 1 } : undefined;
  }

  messageCounts(): { received: number; converted: number; invalid: number } {
    const rows = statements(this.db).countsByState.all() as { state: string; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    const total = rows.reduce((s, r) => s + r.n, 0);
    return { received: total, converted: by[MessageState.converted] ?? 0, invalid: by[MessageState.invalid] ?? 0 };
  }

  sourceCounts(): SourceCounts[] {
    const s = statements(this.db);
    return (s.sourceCounts.all() as Row[]).map((r) => {
      const last = (s.sourceLast.get(r.source_id) as { last: number | null }).last;
      return { sourceId: String(r.source_id), received: Number(r.n), lastReceivedAt: last ?? null };
    });
  }

  destinationCounts(): DestinationCounts[] {
    const s = statements(this.db);
    const map = new Map<string, DestinationCounts>();
    for (const r of s.destinationCounts.all() as Row[]) {
      const id = String(r.destination_id);
      const c = map.get(id) ?? { destinationId: id, pending: 0, delivered: 0, rejected: 0, lastSuccessAt: null };
      const n = Number(r.n);
      const state = String(r.state) as DeliveryState;
      if (state === DeliveryState.delivered) {
        c.delivered += n;
        c.lastSuccessAt = (s.lastDelivered.get(id) as { last: number | null }).last ?? null;
      } else if (state === DeliveryState.rejected) c.rejected += n;
      else if (OPEN_DELIVERY_STATES.includes(state)) c.pending += n;
      map.set(id, c);
    }
    return [...map.values()];
  }

  /** Newest received_at over all sources, or null when nothing was ever received. */
  lastReceivedAt(): number | null {
    return (statements(this.db).lastReceived.get() as { t: number | null }).t ?? null;
  }

  message(id: number): MessageRow | undefined {
    const r = statements(this.db).message.get(id) as Row | undefined;
    return r ? toMessageRow(r) : undefined;
  }

  /** Newest first; `beforeId` pages backwards (keyset paging stays fast on large tables). */
  listMessages(limit: number, beforeId = Number.MAX_SAFE_INTEGER): MessageRow[] {
    return (statements(this.db).listMessages.all(beforeId, limit) as Row[]).map(toMessageRow);
  }

  messageDetail(id: number): { raw: Buffer | null; bundle: string | null; issues: string | null } | undefined {
    const r = statements(this.db).messageDetail.get(id) as Row | undefined;
    if (!r) return undefined;
    const c = this.cipher;
    return {
      raw: r.raw == null ? null : c.open(r.raw as Buffer),
      bundle: r.bundle == null ? null : c.openText(r.bundle as Buffer | string),
      issues: r.issues == null ? null : c.openText(r.issues as Buffer | string),
    };
  }

  deliveriesOf(messageId: number): DeliveryRow[] {
    return (statements(this.db).deliveriesOf.all(messageId) as Row[]).map((r) => ({
      messageId: Number(r.message_id),
      destinationId: String(r.destination_id),
      state: String(r.state),
      attempts: Number(r.attempts),
      nextAttemptAt: Number(r.next_attempt_at),
      lastErrorCode: (r.last_error_code as string | null) ?? null,
      lastError: openStoreText(this.cipher, r.last_error as string | null),
      lastResponse: openStoreText(this.cipher, r.last_response as string | null),
      deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
      partsDone: Number(r.parts_done ?? 0),
      partsTotal: r.parts_total == null ? null : Number(r.parts_total),
      supersededBy: r.superseded_by == null ? null : Number(r.superseded_by),
    }));
  }

  attemptsOf(messageId: number): AttemptRecord[] {
    return (statements(this.db).attemptsOf.all(messageId) as Row[]).map((r) => ({
      messageId: Number(r.message_id),
      destinationId: String(r.destination_id),
      startedAt: Number(r.started_at),
      durationMs: Number(r.duration_ms),
      outcome: String(r.outcome),
      errorCode: (r.error_code as string | null) ?? undefined,
      httpStatus: r.http_status == null ? undefined : Number(r.http_status),
      response: openStoreText(this.cipher, r.response as string | null) ?? undefined,
    }));
  }
}

export function toMessageRow(r: Row): MessageRow {
  return {
    id: Number(r.id),
    sourceId: String(r.source_id),
    format: String(r.format),
    naturalKey: (r.natural_key as string | null) ?? null,
    version: Number(r.version),
    state: String(r.state),
    errorCode: (r.error_code as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
    receivedAt: Number(r.received_at),
    convertedAt: r.converted_at == null ? null : Number(r.converted_at),
    resourceCount: r.resource_count == null ? null : Number(r.resource_count),
    rawSize: Number(r.raw_size),
  };
}

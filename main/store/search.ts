// Records screen queries (DESIGN §8): search by MA_LK / MA_BN / CCCD / patient name, filter by
// received date, state and destination, newest first with keyset paging so that page 500 of a
// million rows costs the same as page 1. Reads `record_search` and `record_name_words`, which
// the store fills when it stores and converts a record; identifiers and name words are compared
// as blind indexes, so no patient data is kept in clear for search.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState, partInFlight } from './states.js';
import type { PayloadCipher } from './payloadCipher.js';
import { toMessageRow } from './readModels.js';
import type { MessageRow } from './types.js';
import { nameWords } from './searchFields.js';

export { foldName } from './searchFields.js';

export interface RecordSearch {
  /** MA_LK, MA_BN or CCCD (exact), otherwise any part of the patient's name. */
  q?: string;
  /** received_at >= from (epoch ms). */
  from?: number;
  /** received_at < to (epoch ms). */
  to?: number;
  /** A record state or a delivery state. */
  state?: string;
  destinationId?: string;
  /** Keyset: only records with an id below this one. */
  before?: number;
  limit: number;
}

/** One record in the list: the record itself, its search fields and its delivery states. */
export interface RecordHit extends MessageRow {
  recordKey: string | null;
  patientName: string | null;
  maBn: string | null;
  deliveries: { destinationId: string; state: string; part?: { part: number; of: number } }[];
}

const MESSAGE_STATES = new Set<string>(Object.values(MessageState));
const DELIVERY_STATES = new Set<string>(Object.values(DeliveryState));

export function isSearchableState(state: string): boolean {
  return MESSAGE_STATES.has(state) || DELIVERY_STATES.has(state);
}

function prepare(db: Database.Database) {
  return {
    exactKeyExists: db.prepare('SELECT 1 FROM record_search WHERE record_key = @q OR ma_bn = @qb OR cccd = @qb LIMIT 1'),
    deliveriesOf: db.prepare('SELECT destination_id, state, parts_done, parts_total FROM deliveries WHERE message_id = ? ORDER BY destination_id'),
  };
}

const stmts = preparedStatements(prepare);

/**
 * One page of records, newest first. The query is shaped so SQLite walks one index in id order
 * and stops after `limit` hits: exact ids through their own indexes, a delivery state through
 * `deliveries_by_state`, everything else backwards along the messages' primary key.
 */
export function searchRecords(db: Database.Database, cipher: PayloadCipher, p: RecordSearch): RecordHit[] {
  const { sql, params } = buildSearch(db, cipher, p);
  const rows = db.prepare(sql).all(params) as Record<string, unknown>[];
  const deliveriesOf = stmts(db).deliveriesOf;
  return rows.map((r) => ({
    ...toMessageRow(r),
    recordKey: (r.record_key as string | null) ?? null,
    patientName: r.patient_name == null ? null : cipher.openText(r.patient_name as Buffer),
    maBn: r.ma_bn_sealed == null ? null : cipher.openText(r.ma_bn_sealed as Buffer),
    deliveries: (deliveriesOf.all(r.id) as { destination_id: string; state: string; parts_done: number; parts_total: number | null }[]).map((d) => {
      const part = partInFlight(d.state, d.parts_done, d.parts_total);
      return { destinationId: d.destination_id, state: d.state, ...(part ? { part } : {}) };
    }),
  }));
}

/** The query plan of a search, for tests that keep paging off full scans. */
export function explainSearch(db: Database.Database, cipher: PayloadCipher, p: RecordSearch): string[] {
  const { sql, params } = buildSearch(db, cipher, p);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
}

function buildSearch(db: Database.Database, cipher: PayloadCipher, p: RecordSearch): { sql: string; params: Record<string, unknown> } {
  const where: string[] = ['m.id < @before'];
  const params: Record<string, unknown> = { before: p.before ?? Number.MAX_SAFE_INTEGER, limit: p.limit };
  const q = p.q?.trim();
  let from = 'messages m LEFT JOIN record_search s ON s.message_id = m.id';

  if (q) {
    params.q = q;
    params.qb = cipher.blindIndex(q);
    if (stmts(db).exactKeyExists.get({ q, qb: params.qb })) {
      where.push('(s.record_key = @q OR s.ma_bn = @qb OR s.cccd = @qb)');
      // Drive from record_search so the exact-match indexes are used, then join messages by id.
      from = 'record_search s JOIN messages m ON m.id = s.message_id';
    } else {
      // Every word of the query must be a word of the name (in any order, without diacritics).
      const words = nameWords(q);
      words.forEach((w, i) => {
        params[`w${i}`] = cipher.blindIndex(`name:${w}`);
        where.push(`m.id IN (SELECT message_id FROM record_name_words WHERE word = @w${i})`);
      });
      if (words.length === 0) where.push('0');
    }
  }
  if (p.from !== undefined) {
    where.push('m.received_at >= @from');
    params.from = p.from;
  }
  if (p.to !== undefined) {
    where.push('m.received_at < @to');
    params.to = p.to;
  }
  if (p.state && MESSAGE_STATES.has(p.state)) {
    where.push('m.state = @state');
    params.state = p.state;
  }
  if (p.state && DELIVERY_STATES.has(p.state)) {
    params.dstate = p.state;
    if (p.destinationId) params.destination = p.destinationId;
    const dest = p.destinationId ? ' AND d.destination_id = @destination' : '';
    // Rare states (rejected, paused) are found through deliveries_by_state, not by reading every record.
    where.push(`m.id IN (SELECT d.message_id FROM deliveries d WHERE d.state = @dstate AND d.message_id < @before${dest})`);
  } else if (p.destinationId) {
    params.destination = p.destinationId;
    where.push('EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.destination_id = @destination)');
  }

  const sql = `SELECT m.id, m.source_id, m.format, m.natural_key, m.version, m.state, m.error_code, m.error_message,
                      m.received_at, m.converted_at, m.resource_count, m.raw_size, s.record_key, s.patient_name, s.ma_bn_sealed
               FROM ${from} WHERE ${where.join(' AND ')} ORDER BY m.id DESC LIMIT @limit`;
  return { sql, params };
}

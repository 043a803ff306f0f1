// What GET /metrics exposes (DESIGN §8, §10), read from the queue database: exact counts by
// state from the trigger-kept counters (migration 7), and two distributions bucketed in SQL so
// no row leaves SQLite: the store's acknowledgement time of each successful delivery request
// (delivery_attempts.duration_ms) and each record's time from receipt to conversion.
import type { Db } from './database.js';
import { preparedStatements } from './prepared.js';

export interface StateCount {
  scope: 'message' | 'delivery' | 'source';
  key: string;
  state: string;
  n: number;
}

/** A cumulative histogram: counts[i] = observations ≤ bounds[i]; sum in ms. */
export interface Distribution {
  key: string;
  counts: number[];
  count: number;
  sumMs: number;
}

export interface MetricsSnapshot {
  states: StateCount[];
  ackLatency: Distribution[];
  convertTime: Distribution[];
}

const statements = preparedStatements((db: Db) => ({
  states: db.prepare("SELECT scope, key, state, n FROM state_counts WHERE n > 0 ORDER BY scope, key, state"),
}));

/** SUM(v <= b) per bound: one pass over the rows, whatever the number of buckets. */
function bucketColumns(expr: string, boundsMs: readonly number[]): string {
  return boundsMs.map((b, i) => `SUM(CASE WHEN ${expr} <= ${Number(b)} THEN 1 ELSE 0 END) AS b${i}`).join(', ');
}

function distributions(rows: Record<string, unknown>[], boundsMs: readonly number[]): Distribution[] {
  return rows.map((r) => ({
    key: String(r.key),
    counts: boundsMs.map((_, i) => Number(r[`b${i}`] ?? 0)),
    count: Number(r.n ?? 0),
    sumMs: Number(r.total ?? 0),
  }));
}

export function metricsSnapshot(db: Db, boundsMs: readonly number[]): MetricsSnapshot {
  if (!boundsMs.every((b) => Number.isFinite(b))) throw new Error('histogram bounds must be finite numbers');
  const ack = db
    .prepare(
      `SELECT destination_id AS key, COUNT(*) AS n, SUM(duration_ms) AS total, ${bucketColumns('duration_ms', boundsMs)}
       FROM delivery_attempts WHERE outcome = 'delivered' GROUP BY destination_id ORDER BY destination_id`,
    )
    .all() as Record<string, unknown>[];
  const convert = db
    .prepare(
      `SELECT format AS key, COUNT(*) AS n, SUM(converted_at - received_at) AS total, ${bucketColumns('converted_at - received_at', boundsMs)}
       FROM messages WHERE converted_at IS NOT NULL GROUP BY format ORDER BY format`,
    )
    .all() as Record<string, unknown>[];
  return {
    states: statements(db).states.all() as StateCount[],
    ackLatency: distributions(ack, boundsMs),
    convertTime: distributions(convert, boundsMs),
  };
}

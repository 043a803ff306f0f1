// Report queries for the status UI (DESIGN §6 quality, §8 reports): counts per day and
// destination, data quality "đúng – đủ – sạch – sống", time from encounter end to delivery,
// the throughput chart and today's counts. Days are local days of the agent's clock, passed
// in as [start, end) epoch-ms ranges so the queries stay plain range scans on an index.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from './states.js';

const DAY_MS = 86_400_000;

/** Local midnight at or before `t`, on this machine's clock. */
export function localDayStart(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** `YYYY-MM-DD` of the local day containing `t`. */
export function localDayKey(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Local midnight of a `YYYY-MM-DD` day, or null when the text is not a real date. */
export function parseLocalDay(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return localDayKey(d.getTime()) === day ? d.getTime() : null;
}

/** The local midnights from `from` up to and including the day of `toDayStart`. */
export function localDays(fromDayStart: number, toDayStart: number): number[] {
  const days: number[] = [];
  // Stepping by calendar day (not 24 h) keeps days right across daylight-saving changes.
  for (let d = new Date(fromDayStart); d.getTime() <= toDayStart; d.setDate(d.getDate() + 1)) days.push(d.getTime());
  return days;
}

export interface DailyRow {
  day: string;
  destinationId: string;
  received: number;
  delivered: number;
  rejected: number;
}

function prepare(db: Database.Database) {
  return {
    // messages_by_received_at
    receivedBetween: db.prepare('SELECT count(*) AS n FROM messages WHERE received_at >= ? AND received_at < ?'),
    receivedBySourceBetween: db.prepare('SELECT source_id, count(*) AS n FROM messages WHERE received_at >= ? AND received_at < ? GROUP BY source_id'),
    receivedTimes: db.prepare('SELECT received_at FROM messages WHERE received_at >= ? AND received_at < ?').pluck(),
    // deliveries_delivered (destination_id, delivered_at)
    deliveredBetween: db.prepare('SELECT count(*) AS n FROM deliveries WHERE destination_id = ? AND delivered_at >= ? AND delivered_at < ?'),
    deliveredTimes: db.prepare('SELECT delivered_at FROM deliveries WHERE destination_id = ? AND delivered_at >= ? AND delivered_at < ?').pluck(),
    // deliveries_by_state: the few rejected rows, then their time
    rejectedTimes: db.prepare(
      `SELECT destination_id, updated_at FROM deliveries WHERE state = '${DeliveryState.rejected}' AND updated_at >= ? AND updated_at < ?`,
    ),
    quality: db.prepare(
      `SELECT count(*) AS received,
              sum(m.state = '${MessageState.converted}') AS converted,
              sum(m.state = '${MessageState.invalid}') AS invalid,
              sum(m.state = '${MessageState.converted}' AND s.cccd IS NOT NULL) AS with_cccd,
              sum(m.state = '${MessageState.converted}' AND coalesce(m.warning_count, 0) = 0) AS without_warnings,
              sum(m.state = '${MessageState.converted}' AND coalesce(m.missing_fields, '') = '') AS complete,
              sum(m.version > 1) AS new_versions
       FROM messages m LEFT JOIN record_search s ON s.message_id = m.id
       WHERE m.received_at >= ? AND m.received_at < ?`,
    ),
    // messages_by_received_at; the lists are names of absent fields, never values
    missingLists: db.prepare("SELECT missing_fields FROM messages WHERE received_at >= ? AND received_at < ? AND coalesce(missing_fields, '') <> ''").pluck(),
    latency: db.prepare(
      `SELECT d.delivered_at, s.encounter_end FROM deliveries d JOIN record_search s ON s.message_id = d.message_id
       WHERE d.destination_id = ? AND d.delivered_at >= ? AND d.delivered_at < ? AND s.encounter_end IS NOT NULL`,
    ),
  };
}

const stmts = preparedStatements(prepare);

/** Counts per local day (from the day of `fromDayStart` to that of `toDayStart`, both included) and destination. */
export function dailyReport(db: Database.Database, fromDayStart: number, toDayStart: number, destinationIds: readonly string[]): DailyRow[] {
  const s = stmts(db);
  const days = localDays(fromDayStart, toDayStart);
  const end = localDays(toDayStart, toDayStart + DAY_MS * 2)[1] ?? toDayStart + DAY_MS;
  const bounds = [...days, end];
  const rejected = s.rejectedTimes.all(fromDayStart, end) as { destination_id: string; updated_at: number }[];
  const rows: DailyRow[] = [];
  days.forEach((start, i) => {
    const stop = bounds[i + 1]!;
    const received = (s.receivedBetween.get(start, stop) as { n: number }).n;
    for (const dest of destinationIds) {
      rows.push({
        day: localDayKey(start),
        destinationId: dest,
        received,
        delivered: (s.deliveredBetween.get(dest, start, stop) as { n: number }).n,
        rejected: rejected.filter((r) => r.destination_id === dest && r.updated_at >= start && r.updated_at < stop).length,
      });
    }
  });
  return rows;
}

export interface QualityCounts {
  received: number;
  converted: number;
  invalid: number;
  withCccd: number;
  withoutWarnings: number;
  newVersions: number;
  /** đủ: converted records with every required field present. */
  complete: number;
  /** The required fields most often absent, with how many records lack each. */
  missingByField: { field: string; records: number }[];
}

export function qualityReport(db: Database.Database, from: number, to: number): QualityCounts {
  const r = stmts(db).quality.get(from, to) as Record<string, number | null>;
  return {
    received: r.received ?? 0,
    converted: r.converted ?? 0,
    invalid: r.invalid ?? 0,
    withCccd: r.with_cccd ?? 0,
    withoutWarnings: r.without_warnings ?? 0,
    newVersions: r.new_versions ?? 0,
    complete: r.complete ?? 0,
    missingByField: missingByField(stmts(db).missingLists.all(from, to) as string[]),
  };
}

function missingByField(lists: readonly string[]): { field: string; records: number }[] {
  const counts = new Map<string, number>();
  for (const list of lists) for (const f of list.split(',')) if (f) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts.entries()].map(([field, records]) => ({ field, records })).sort((a, b) => b.records - a.records || a.field.localeCompare(b.field)).slice(0, 10);
}

/** The quality counts of each local day of the period ("đúng – đủ – sạch – sống" per day). */
export function qualityByDay(db: Database.Database, fromDayStart: number, toDayStart: number): ({ day: string } & QualityCounts)[] {
  const days = localDays(fromDayStart, toDayStart);
  const bounds = [...days, localDays(toDayStart, toDayStart + 2 * 86_400_000)[1] ?? toDayStart + 86_400_000];
  return days.map((start, i) => ({ day: localDayKey(start), ...qualityReport(db, start, bounds[i + 1]!) }));
}

export interface LatencyStats {
  destinationId: string;
  delivered: number;
  medianHours: number | null;
  p90Hours: number | null;
  within24h: number | null;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Hours from Encounter.period.end to delivery, for deliveries made in [from, to). */
export function latencyReport(db: Database.Database, from: number, to: number, destinationIds: readonly string[]): LatencyStats[] {
  const s = stmts(db);
  return destinationIds.map((dest) => {
    const hours: number[] = [];
    for (const r of s.latency.all(dest, from, to) as { delivered_at: number; encounter_end: string }[]) {
      const end = Date.parse(r.encounter_end);
      // A date-only end (no time) or an unreadable one tells nothing about hours: left out.
      if (Number.isNaN(end) || r.encounter_end.length <= 10) continue;
      hours.push(Math.max(0, r.delivered_at - end) / 3_600_000);
    }
    hours.sort((a, b) => a - b);
    const round = (h: number | null) => (h === null ? null : Math.round(h * 10) / 10);
    return {
      destinationId: dest,
      delivered: hours.length,
      medianHours: round(percentile(hours, 0.5)),
      p90Hours: round(percentile(hours, 0.9)),
      within24h: hours.length ? hours.filter((h) => h <= 24).length / hours.length : null,
    };
  });
}

export interface ThroughputBucket {
  start: number;
  received: number;
  delivered: Record<string, number>;
}

/** Received and delivered counts in `count` buckets of `bucketMs` ending with the bucket that holds `now`. */
export function throughput(db: Database.Database, now: number, bucketMs: number, count: number, destinationIds: readonly string[], firstStart?: number): ThroughputBucket[] {
  const s = stmts(db);
  const start = firstStart ?? Math.floor(now / bucketMs) * bucketMs - (count - 1) * bucketMs;
  const end = start + count * bucketMs;
  const buckets: ThroughputBucket[] = Array.from({ length: count }, (_, i) => ({
    start: start + i * bucketMs,
    received: 0,
    delivered: Object.fromEntries(destinationIds.map((d) => [d, 0])),
  }));
  const slot = (t: number) => Math.floor((t - start) / bucketMs);
  // Times are read and bucketed here rather than grouped in SQL: one index range scan each,
  // and the bucket edges stay exactly the ones the chart labels.
  for (const t of s.receivedTimes.all(start, end) as number[]) buckets[slot(t)]!.received++;
  for (const dest of destinationIds) {
    for (const t of s.deliveredTimes.all(dest, start, end) as number[]) buckets[slot(t)]!.delivered[dest]!++;
  }
  return buckets;
}

/** Records received per source and deliveries made per destination since `dayStart`. */
export function todayCounts(db: Database.Database, dayStart: number, now: number, destinationIds: readonly string[]): { received: Record<string, number>; delivered: Record<string, number> } {
  const s = stmts(db);
  const received: Record<string, number> = {};
  for (const r of s.receivedBySourceBetween.all(dayStart, now + 1) as { source_id: string; n: number }[]) received[r.source_id] = r.n;
  const delivered: Record<string, number> = {};
  for (const d of destinationIds) delivered[d] = (s.deliveredBetween.get(d, dayStart, now + 1) as { n: number }).n;
  return { received, delivered };
}

let openInvalidStmt: WeakMap<Database.Database, Database.Statement> | undefined;

/** Invalid records that no newer version of the same MA_LK / MSH-10 has replaced (messages_by_state, messages_by_natural_key). */
export function openInvalidCount(db: Database.Database): number {
  openInvalidStmt ??= new WeakMap();
  let stmt = openInvalidStmt.get(db);
  if (!stmt) {
    stmt = db.prepare(
      `SELECT count(*) FROM messages m WHERE m.state = '${MessageState.invalid}'
       AND NOT EXISTS (SELECT 1 FROM messages n WHERE m.natural_key IS NOT NULL AND n.natural_key = m.natural_key AND n.version > m.version)`,
    ).pluck();
    openInvalidStmt.set(db, stmt);
  }
  return stmt.get() as number;
}

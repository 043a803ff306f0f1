// Claim-check findings per record (migration 9, docs/claim-checks.md "In the agent"): written
// in the transaction that stores the conversion outcome, read back for the record page, counted
// per rule per day for the reports, and summed into the daily "đúng – đủ – sạch – sống" score.
import type { Db } from './database.js';
import { preparedStatements } from './prepared.js';
import { localDayKey, localDays } from './reports.js';
import { DeliveryState, MessageState } from './states.js';
import type { StoredFindings } from './types.js';

const DAY_MS = 86_400_000;
/** sống: delivered within this long after the encounter's end (DESIGN §6, the latency report's 24 h). */
export const ALIVE_WITHIN_MS = 24 * 3_600_000;

const statements = preparedStatements((db: Db) => ({
  dropFindings: db.prepare('DELETE FROM record_findings WHERE message_id = ?'),
  dropRules: db.prepare('DELETE FROM record_finding_rules WHERE message_id = ?'),
  addFindings: db.prepare('INSERT INTO record_findings (message_id, findings, errors, warnings) VALUES (?, ?, ?, ?)'),
  addRule: db.prepare('INSERT INTO record_finding_rules (message_id, rule, severity, dimension, n) VALUES (?, ?, ?, ?, ?)'),
  findingsOf: db.prepare('SELECT findings FROM record_findings WHERE message_id = ?').pluck(),
  // messages_by_received_at, then each record's few rule rows by primary key
  ruleCounts: db.prepare(
    `SELECT f.rule, f.severity, f.dimension, count(*) AS records, sum(f.n) AS findings
     FROM messages m JOIN record_finding_rules f ON f.message_id = m.id
     WHERE m.received_at >= ? AND m.received_at < ? GROUP BY f.rule ORDER BY findings DESC, f.rule`,
  ),
  dimensions: db.prepare(
    `SELECT count(*) AS checked,
            sum(m.state = '${MessageState.converted}'
                AND NOT EXISTS (SELECT 1 FROM record_finding_rules f WHERE f.message_id = m.id AND f.dimension = 'correct')) AS correct,
            sum(coalesce(m.missing_fields, '') = ''
                AND NOT EXISTS (SELECT 1 FROM record_finding_rules f WHERE f.message_id = m.id AND f.dimension = 'sufficient')) AS sufficient,
            sum(NOT EXISTS (SELECT 1 FROM record_finding_rules f WHERE f.message_id = m.id AND f.dimension = 'clean')) AS clean
     FROM messages m
     WHERE m.received_at >= ? AND m.received_at < ? AND m.state IN ('${MessageState.converted}', '${MessageState.invalid}')`,
  ),
  // the converted records of the day with their deliveries: every one delivered, and when the last was
  aliveRows: db.prepare(
    `SELECT m.received_at, s.encounter_end, count(d.message_id) AS deliveries,
            sum(d.state = '${DeliveryState.delivered}') AS delivered, max(d.delivered_at) AS last_delivered
     FROM messages m LEFT JOIN record_search s ON s.message_id = m.id LEFT JOIN deliveries d ON d.message_id = m.id
     WHERE m.received_at >= ? AND m.received_at < ? AND m.state = '${MessageState.converted}'
     GROUP BY m.id`,
  ),
}));

/** Replaces a record's findings (a record converted again gets the findings of its new conversion). */
export function writeFindings(db: Db, messageId: number, findings: StoredFindings | null): void {
  const s = statements(db);
  s.dropRules.run(messageId);
  s.dropFindings.run(messageId);
  if (!findings) return;
  let errors = 0;
  let warnings = 0;
  for (const r of findings.rules) {
    if (r.severity === 'error') errors += r.count;
    else warnings += r.count;
    s.addRule.run(messageId, r.rule, r.severity, r.dimension, r.count);
  }
  s.addFindings.run(messageId, findings.compactJson, errors, warnings);
}

/** A record's compact findings as JSON; null when the record was not checked (not a claim record, or not converted yet). */
export function findingsOf(db: Db, messageId: number): string | null {
  return (statements(db).findingsOf.get(messageId) as string | undefined) ?? null;
}

export interface RuleCountRow {
  day: string;
  rule: string;
  severity: 'error' | 'warning';
  dimension: 'correct' | 'sufficient' | 'clean';
  /** Records received that day with at least one finding of the rule. */
  records: number;
  /** Findings of the rule on those records. */
  findings: number;
}

/** Findings per rule for each local day of the period (by the day the record was received). */
export function findingCountsByDay(db: Db, fromDayStart: number, toDayStart: number): RuleCountRow[] {
  const s = statements(db);
  const out: RuleCountRow[] = [];
  eachDay(fromDayStart, toDayStart, (day, start, stop) => {
    for (const r of s.ruleCounts.all(start, stop) as Omit<RuleCountRow, 'day'>[]) out.push({ day, ...r });
  });
  return out;
}

export interface DayScore {
  day: string;
  /** Records received that day whose conversion finished (converted or invalid): the denominator. */
  checked: number;
  /** đúng: converted (valid FHIR) and no finding of a đúng rule. */
  correct: number;
  /** đủ: no required field missing at conversion and no finding of a đủ rule. */
  sufficient: number;
  /** sạch: no finding of a sạch rule. */
  clean: number;
  /** sống: converted and delivered to every destination within 24 h of the encounter's end. */
  alive: number;
  /** The mean of the four shares, 0–100 (whole number); null on a day with nothing checked. */
  score: number | null;
}

/** The "đúng – đủ – sạch – sống" score of each local day of the period (docs/claim-checks.md). */
export function scoreByDay(db: Db, fromDayStart: number, toDayStart: number): DayScore[] {
  const s = statements(db);
  const out: DayScore[] = [];
  eachDay(fromDayStart, toDayStart, (day, start, stop) => {
    const d = s.dimensions.get(start, stop) as Record<string, number | null>;
    const checked = d.checked ?? 0;
    let alive = 0;
    for (const r of s.aliveRows.all(start, stop) as { received_at: number; encounter_end: string | null; deliveries: number; delivered: number | null; last_delivered: number | null }[]) {
      if (r.deliveries === 0 || r.delivered !== r.deliveries || r.last_delivered === null) continue;
      // An encounter end without a time (a date only) says nothing about hours: the receipt counts instead.
      const end = r.encounter_end && r.encounter_end.length > 10 ? Date.parse(r.encounter_end) : NaN;
      const since = Number.isNaN(end) ? r.received_at : end;
      if (r.last_delivered - since <= ALIVE_WITHIN_MS) alive++;
    }
    const correct = d.correct ?? 0;
    const sufficient = d.sufficient ?? 0;
    const clean = d.clean ?? 0;
    const score = checked === 0 ? null : Math.round(((correct + sufficient + clean + alive) / (4 * checked)) * 100);
    out.push({ day, checked, correct, sufficient, clean, alive, score });
  });
  return out;
}

function eachDay(fromDayStart: number, toDayStart: number, fn: (day: string, start: number, stop: number) => void): void {
  const days = localDays(fromDayStart, toDayStart);
  const bounds = [...days, localDays(toDayStart, toDayStart + 2 * DAY_MS)[1] ?? toDayStart + DAY_MS];
  days.forEach((start, i) => fn(localDayKey(start), start, bounds[i + 1]!));
}

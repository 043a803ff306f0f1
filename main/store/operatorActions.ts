// What a records officer can do from the status UI (DESIGN §8), each change and its audit row
// written in ONE transaction (DESIGN §9): an action that happened is always in the audit log,
// and an audit row never claims an action that did not happen.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from './states.js';
import { assertNewest } from './versions.js';

export const OperatorAction = {
  retryMessage: 'retry_message',
  retryRejected: 'retry_rejected',
  resend: 'resend',
  pauseDestination: 'pause_destination',
  resumeDestination: 'resume_destination',
  cancel: 'cancel',
  resendMatching: 'resend_matching',
  /** `vhr-agent keys rotate`: a new data key sealed the stored payloads. */
  keyRotated: 'key_rotated',
} as const;
export type OperatorAction = (typeof OperatorAction)[keyof typeof OperatorAction];

export interface AuditInput {
  action: OperatorAction;
  target: string | null;
  actor: string;
  detail?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  at: number;
  action: string;
  target: string | null;
  actor: string;
  affected: number;
  /** What the action changed: `before` and `after` snapshots, plus its own fields (ids and codes only). */
  detail: Record<string, unknown> | null;
}

function prepare(db: Database.Database) {
  return {
    audit: db.prepare('INSERT INTO operator_actions (at, action, target, actor, affected, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    listAudit: db.prepare('SELECT id, at, action, target, actor, affected, detail FROM operator_actions ORDER BY id DESC LIMIT ?'),
    deliveryStates: db.prepare('SELECT destination_id, state FROM deliveries WHERE message_id = ? ORDER BY destination_id'),
    deliveryState: db.prepare('SELECT state FROM deliveries WHERE message_id = ? AND destination_id = ?').pluck(),
    rejectedCount: db.prepare(`SELECT count(*) FROM deliveries WHERE state = '${DeliveryState.rejected}' AND (@destination IS NULL OR destination_id = @destination)`).pluck(),
    isPaused: db.prepare('SELECT paused FROM destination_controls WHERE destination_id = ?').pluck(),
    // Waiting and rejected deliveries of one record become due now (delivered ones stay delivered).
    retryMessage: db.prepare(
      `UPDATE deliveries SET state = '${DeliveryState.pending}', next_attempt_at = @now, updated_at = @now
       WHERE message_id = @id AND state IN ('${DeliveryState.retryWait}', '${DeliveryState.rejected}', '${DeliveryState.pending}')`,
    ),
    // deliveries_by_state
    retryRejectedAll: db.prepare(
      `UPDATE deliveries SET state = '${DeliveryState.pending}', next_attempt_at = @now, updated_at = @now WHERE state = '${DeliveryState.rejected}'`,
    ),
    retryRejectedAt: db.prepare(
      `UPDATE deliveries SET state = '${DeliveryState.pending}', next_attempt_at = @now, updated_at = @now
       WHERE state = '${DeliveryState.rejected}' AND destination_id = @destination`,
    ),
    messageState: db.prepare('SELECT state FROM messages WHERE id = ?').pluck(),
    // Sends a converted record to one destination again, even one that already holds it
    // (safe: entries are PUT with deterministic ids, DESIGN §4.6). One in flight is left alone.
    resend: db.prepare(
      `INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at, order_key)
       VALUES (@id, @destination, '${DeliveryState.pending}', @now, @now, @now,
               (SELECT o.order_key FROM deliveries o WHERE o.message_id = @id AND o.order_key IS NOT NULL LIMIT 1))
       ON CONFLICT (message_id, destination_id) DO UPDATE SET state = '${DeliveryState.pending}', next_attempt_at = @now, updated_at = @now
       WHERE deliveries.state <> '${DeliveryState.inFlight}'`,
    ),
    setPaused: db.prepare(
      `INSERT INTO destination_controls (destination_id, paused, changed_at) VALUES (?, ?, ?)
       ON CONFLICT (destination_id) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at`,
    ),
    paused: db.prepare('SELECT destination_id FROM destination_controls WHERE paused = 1 ORDER BY destination_id').pluck(),
  };
}

const stmts = preparedStatements(prepare);

export interface ActionResult {
  affected: number;
  auditId: number;
}

/**
 * Runs `change` and writes its audit row in one transaction; `snapshot` is read just before and
 * just after the change, so the row says what the action did (before/after), not only that it ran.
 */
function audited(db: Database.Database, now: number, input: AuditInput, snapshot: () => unknown, change: () => number): ActionResult {
  const s = stmts(db);
  return db.transaction(() => {
    const before = snapshot();
    const affected = change();
    const detail = { ...input.detail, before, after: snapshot() };
    const info = s.audit.run(now, input.action, input.target, input.actor, affected, JSON.stringify(detail));
    return { affected, auditId: Number(info.lastInsertRowid) };
  })();
}

/** Delivery state per destination of one record, e.g. `{ province: 'rejected' }`. */
function deliveryStatesOf(db: Database.Database, messageId: number): Record<string, string> {
  const rows = stmts(db).deliveryStates.all(messageId) as { destination_id: string; state: string }[];
  return Object.fromEntries(rows.map((r) => [r.destination_id, r.state]));
}

export function retryMessage(db: Database.Database, messageId: number, actor: string, now: number): ActionResult {
  assertNewest(db, messageId);
  return audited(db, now, { action: OperatorAction.retryMessage, target: String(messageId), actor }, () => ({ deliveries: deliveryStatesOf(db, messageId) }), () =>
    stmts(db).retryMessage.run({ now, id: messageId }).changes,
  );
}

export function retryRejected(db: Database.Database, destinationId: string | undefined, actor: string, now: number): ActionResult {
  const s = stmts(db);
  return audited(db, now, { action: OperatorAction.retryRejected, target: destinationId ?? null, actor }, () => ({ rejected: s.rejectedCount.get({ destination: destinationId ?? null }) }), () =>
    destinationId ? s.retryRejectedAt.run({ now, destination: destinationId }).changes : s.retryRejectedAll.run({ now }).changes,
  );
}

export class NotConvertedError extends Error {
  constructor(readonly messageId: number) {
    super(`record ${messageId} has no FHIR bundle to send (it is not converted)`);
  }
}

export function resend(db: Database.Database, messageId: number, destinationId: string, actor: string, now: number): ActionResult {
  const s = stmts(db);
  if (s.messageState.get(messageId) !== MessageState.converted) throw new NotConvertedError(messageId);
  assertNewest(db, messageId);
  const snapshot = () => ({ delivery: (s.deliveryState.get(messageId, destinationId) as string | undefined) ?? null });
  return audited(db, now, { action: OperatorAction.resend, target: String(messageId), actor, detail: { destination: destinationId } }, snapshot, () =>
    s.resend.run({ now, id: messageId, destination: destinationId }).changes,
  );
}

/**
 * Cancels the deliveries of one record that are not done yet (all destinations, or one): they
 * leave the queue and show `cancelled`; one in flight finishes; a later resend brings it back.
 */
export function cancelDeliveries(db: Database.Database, messageId: number, destinationId: string | undefined, actor: string, now: number): ActionResult {
  return audited(
    db,
    now,
    { action: OperatorAction.cancel, target: String(messageId), actor, detail: destinationId ? { destination: destinationId } : undefined },
    () => ({ deliveries: deliveryStatesOf(db, messageId) }),
    () =>
      db
        .prepare(
          `UPDATE deliveries SET state = '${DeliveryState.cancelled}', updated_at = @now
           WHERE message_id = @id AND (@destination IS NULL OR destination_id = @destination)
             AND state IN ('${DeliveryState.pending}', '${DeliveryState.retryWait}', '${DeliveryState.rejected}', '${DeliveryState.paused}')`,
        )
        .run({ now, id: messageId, destination: destinationId ?? null }).changes,
  );
}

export interface ResendFilter {
  /** Only records received in [from, to) (epoch ms). */
  from?: number;
  to?: number;
  /** Only records whose delivery to this destination is in this state (e.g. rejected, delivered). */
  deliveryState?: string;
}

/**
 * Sends every converted record matching the filter to one destination again — all of them
 * when the filter is empty (e.g. a store that lost its data). Safe to repeat: PUT with
 * deterministic ids. Deliveries in flight are left alone.
 */
export function resendMatching(db: Database.Database, destinationId: string, filter: ResendFilter, actor: string, now: number): ActionResult {
  // An older version of a record is never sent again over a newer one.
  const where = [
    `m.state = '${MessageState.converted}'`,
    `NOT (m.natural_key IS NOT NULL AND EXISTS (SELECT 1 FROM messages n WHERE n.natural_key = m.natural_key AND n.version > m.version AND n.state = '${MessageState.converted}'))`,
  ];
  if (filter.from !== undefined) where.push('m.received_at >= @from');
  if (filter.to !== undefined) where.push('m.received_at < @to');
  if (filter.deliveryState) where.push('EXISTS (SELECT 1 FROM deliveries x WHERE x.message_id = m.id AND x.destination_id = @destination AND x.state = @dstate)');
  const params = { now, destination: destinationId, from: filter.from ?? null, to: filter.to ?? null, dstate: filter.deliveryState ?? null };
  const pending = () => (db.prepare(`SELECT count(*) AS n FROM deliveries WHERE destination_id = ? AND state IN ('${DeliveryState.pending}', '${DeliveryState.retryWait}')`).get(destinationId) as { n: number }).n;
  return audited(db, now, { action: OperatorAction.resendMatching, target: destinationId, actor, detail: { filter } }, () => ({ waiting: pending() }), () =>
    db
      .prepare(
        `INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at, order_key)
         SELECT m.id, @destination, '${DeliveryState.pending}', @now, @now, @now,
                (SELECT o.order_key FROM deliveries o WHERE o.message_id = m.id AND o.order_key IS NOT NULL LIMIT 1)
         FROM messages m WHERE ${where.join(' AND ')}
         ON CONFLICT (message_id, destination_id) DO UPDATE SET state = '${DeliveryState.pending}', next_attempt_at = @now, updated_at = @now
         WHERE deliveries.state <> '${DeliveryState.inFlight}'`,
      )
      .run(params).changes,
  );
}

export function setDestinationPaused(db: Database.Database, destinationId: string, paused: boolean, actor: string, now: number): ActionResult {
  const action = paused ? OperatorAction.pauseDestination : OperatorAction.resumeDestination;
  const s = stmts(db);
  return audited(db, now, { action, target: destinationId, actor }, () => ({ paused: s.isPaused.get(destinationId) === 1 }), () => s.setPaused.run(destinationId, paused ? 1 : 0, now).changes);
}

export interface KeyRotation {
  actor: string;
  /** Data key that sealed new payloads before, and the new one. */
  keyBefore: number | null;
  keyAfter: number;
  keysInUseBefore: number[];
  keysInUseAfter: number[];
  dropped: number[];
  resealed: number;
}

/** Audits `vhr-agent keys rotate` (run with the agent stopped, from the command line). */
export function recordKeyRotation(db: Database.Database, r: KeyRotation, now: number): number {
  const detail = {
    before: { currentKey: r.keyBefore, keysInUse: r.keysInUseBefore },
    after: { currentKey: r.keyAfter, keysInUse: r.keysInUseAfter },
    dropped: r.dropped,
  };
  const info = stmts(db).audit.run(now, OperatorAction.keyRotated, `key ${r.keyAfter}`, r.actor, r.resealed, JSON.stringify(detail));
  return Number(info.lastInsertRowid);
}

/** Destinations an operator paused (kept across restarts). */
export function pausedDestinations(db: Database.Database): string[] {
  return stmts(db).paused.all() as string[];
}

export function auditLog(db: Database.Database, limit: number): AuditRow[] {
  return (stmts(db).listAudit.all(limit) as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    action: String(r.action),
    target: (r.target as string | null) ?? null,
    actor: String(r.actor),
    affected: Number(r.affected),
    detail: r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : null,
  }));
}

// What a records officer can do from the status UI (DESIGN §8), each change and its audit row
// written in ONE transaction (DESIGN §9): an action that happened is always in the audit log,
// and an audit row never claims an action that did not happen.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from '../pipeline/states.js';

export const OperatorAction = {
  retryMessage: 'retry_message',
  retryRejected: 'retry_rejected',
  resend: 'resend',
  pauseDestination: 'pause_destination',
  resumeDestination: 'resume_destination',
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
}

function prepare(db: Database.Database) {
  return {
    audit: db.prepare('INSERT INTO operator_actions (at, action, target, actor, affected, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    listAudit: db.prepare('SELECT id, at, action, target, actor, affected FROM operator_actions ORDER BY id DESC LIMIT ?'),
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
      `INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at)
       VALUES (@id, @destination, '${DeliveryState.pending}', @now, @now, @now)
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

function audited(db: Database.Database, now: number, input: AuditInput, change: () => number): ActionResult {
  const s = stmts(db);
  return db.transaction(() => {
    const affected = change();
    const info = s.audit.run(now, input.action, input.target, input.actor, affected, input.detail ? JSON.stringify(input.detail) : null);
    return { affected, auditId: Number(info.lastInsertRowid) };
  })();
}

export function retryMessage(db: Database.Database, messageId: number, actor: string, now: number): ActionResult {
  return audited(db, now, { action: OperatorAction.retryMessage, target: String(messageId), actor }, () => stmts(db).retryMessage.run({ now, id: messageId }).changes);
}

export function retryRejected(db: Database.Database, destinationId: string | undefined, actor: string, now: number): ActionResult {
  const s = stmts(db);
  return audited(db, now, { action: OperatorAction.retryRejected, target: destinationId ?? null, actor }, () =>
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
  return audited(db, now, { action: OperatorAction.resend, target: String(messageId), actor, detail: { destination: destinationId } }, () =>
    s.resend.run({ now, id: messageId, destination: destinationId }).changes,
  );
}

export function setDestinationPaused(db: Database.Database, destinationId: string, paused: boolean, actor: string, now: number): ActionResult {
  const action = paused ? OperatorAction.pauseDestination : OperatorAction.resumeDestination;
  return audited(db, now, { action, target: destinationId, actor }, () => stmts(db).setPaused.run(destinationId, paused ? 1 : 0, now).changes);
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
  }));
}

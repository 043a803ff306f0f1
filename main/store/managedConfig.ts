// SQL of ministry-managed configuration (docs/managed-config.md §5, §6). Applying a document
// writes, in ONE transaction, its version row, the audit row and — when the document asks —
// sends records not yet delivered anywhere back to conversion: either all of it happened or
// none of it did.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from './states.js';

/** Audit actions of the ministry, in operator_actions beside the officers' own actions. */
export const ManagedAuditAction = {
  applied: 'config_applied',
  refused: 'config_refused',
} as const;
export type ManagedAuditAction = (typeof ManagedAuditAction)[keyof typeof ManagedAuditAction];

export const MINISTRY_ACTOR = 'ministry';

export interface AppliedInput {
  version: number;
  digest: string;
  keyId: string;
  source: string;
  /** Version in force before this one (0 = local configuration only). */
  versionBefore: number;
  reconvertPending: boolean;
  /** Destinations whose settings changed: their waiting retries fall due now. */
  changedDestinations: readonly string[];
  note?: string;
  now: number;
}

export interface RefusedInput {
  version: number | null;
  code: string;
  reason: string;
  source: string;
  versionInForce: number;
  digest?: string;
  now: number;
}

export interface ManagedAuditRow {
  id: number;
  at: number;
  action: ManagedAuditAction;
  version: number | null;
  affected: number;
  detail: Record<string, unknown>;
}

function prepare(db: Database.Database) {
  // A record to convert again: converted, raw bytes still kept, and delivered or being sent nowhere.
  const stillPending = `state = '${MessageState.converted}' AND raw IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.state IN ('${DeliveryState.delivered}', '${DeliveryState.inFlight}'))`;
  return {
    highest: db.prepare('SELECT coalesce(max(version), 0) FROM managed_config_applied').pluck(),
    has: db.prepare('SELECT 1 FROM managed_config_applied WHERE version = ?').pluck(),
    insertApplied: db.prepare('INSERT INTO managed_config_applied (version, digest, key_id, source, applied_at, reconverted) VALUES (?, ?, ?, ?, ?, ?)'),
    dropPendingDeliveries: db.prepare(`DELETE FROM deliveries WHERE message_id IN (SELECT id FROM messages WHERE ${stillPending})`),
    backToReceived: db.prepare(
      `UPDATE messages SET state = '${MessageState.received}', bundle = NULL, issues = NULL, resource_count = NULL, converted_at = NULL, error_code = NULL, error_message = NULL
       WHERE ${stillPending}`,
    ),
    retryDueNow: db.prepare(
      `UPDATE deliveries SET next_attempt_at = @now, updated_at = @now WHERE destination_id = @destination AND state = '${DeliveryState.retryWait}'`,
    ),
    audit: db.prepare('INSERT INTO operator_actions (at, action, target, actor, affected, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    // operator_actions_by_action
    listAudit: db.prepare(
      `SELECT id, at, action, target, affected, detail FROM operator_actions
       WHERE action IN ('${ManagedAuditAction.applied}', '${ManagedAuditAction.refused}') ORDER BY id DESC LIMIT ?`,
    ),
  };
}

const stmts = preparedStatements(prepare);

/** The highest document version ever applied here (0 when none). */
export function highestAppliedVersion(db: Database.Database): number {
  return Number(stmts(db).highest.get());
}

export function isVersionRecorded(db: Database.Database, version: number): boolean {
  return stmts(db).has.get(version) !== undefined;
}

/**
 * Records an applied document: its version row, the audit row and, when asked, the records
 * sent back to conversion (state received, pending deliveries removed). Returns how many.
 */
export function recordApplied(db: Database.Database, a: AppliedInput): { reconverted: number; auditId: number } {
  const s = stmts(db);
  return db.transaction(() => {
    let reconverted = 0;
    if (a.reconvertPending) {
      s.dropPendingDeliveries.run();
      reconverted = s.backToReceived.run().changes;
    }
    for (const destination of a.changedDestinations) s.retryDueNow.run({ now: a.now, destination });
    s.insertApplied.run(a.version, a.digest, a.keyId, a.source, a.now, reconverted);
    const detail = {
      versionBefore: a.versionBefore,
      versionAfter: a.version,
      source: a.source,
      digest: a.digest,
      keyId: a.keyId,
      reconvertPending: a.reconvertPending,
      changedDestinations: a.changedDestinations,
      ...(a.note ? { note: a.note } : {}),
    };
    const info = s.audit.run(a.now, ManagedAuditAction.applied, String(a.version), MINISTRY_ACTOR, reconverted, JSON.stringify(detail));
    return { reconverted, auditId: Number(info.lastInsertRowid) };
  })();
}

export function recordRefused(db: Database.Database, r: RefusedInput): number {
  const detail = {
    versionBefore: r.versionInForce,
    versionAfter: r.versionInForce,
    ...(r.version !== null ? { documentVersion: r.version } : {}),
    code: r.code,
    reason: r.reason,
    source: r.source,
    ...(r.digest ? { digest: r.digest } : {}),
  };
  const info = stmts(db).audit.run(r.now, ManagedAuditAction.refused, r.version === null ? null : String(r.version), MINISTRY_ACTOR, 0, JSON.stringify(detail));
  return Number(info.lastInsertRowid);
}

/** The ministry's audit rows, newest first. */
export function managedAuditLog(db: Database.Database, limit: number): ManagedAuditRow[] {
  return (stmts(db).listAudit.all(limit) as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    action: r.action as ManagedAuditAction,
    version: r.target == null ? null : Number(r.target),
    affected: Number(r.affected),
    detail: r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : {},
  }));
}

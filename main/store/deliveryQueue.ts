// The delivery queue: one row per record and destination, claimed in message order with one
// patient's records kept in order (DESIGN §4.7), settled with an attempt row each time.
import { withDerivedCommits, type Db, type Row } from './database.js';
import { preparedStatements } from './prepared.js';
import { supersedeIfNewer } from './versions.js';
import type { PayloadCipher } from './payloadCipher.js';
import { sealStoreText } from './storeWords.js';
import { DeliveryState } from './states.js';
import type { AttemptRecord, DueDelivery, LearnedLimit, PartProgress } from './types.js';

const statements = preparedStatements((db: Db) => ({
  // The queue of one destination in message order, heads of line only: a delivery waits
  // while an older one of the same patient is still open here (DESIGN §4.7).
  claimDue: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.inFlight}', attempts = attempts + 1, updated_at = @now
     WHERE rowid IN (
       SELECT d.rowid FROM deliveries d INDEXED BY deliveries_queue
       WHERE d.destination_id = @destinationId AND d.state IN ('${DeliveryState.pending}', '${DeliveryState.retryWait}') AND d.next_attempt_at <= @now
         AND (d.order_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM deliveries e INDEXED BY deliveries_open_by_order_key
           WHERE e.destination_id = d.destination_id AND e.order_key = d.order_key AND e.message_id < d.message_id
             AND e.state IN ('${DeliveryState.pending}', '${DeliveryState.inFlight}', '${DeliveryState.retryWait}')))
       ORDER BY d.message_id LIMIT @limit)
     RETURNING message_id, destination_id, attempts, parts_done, parts_limit`,
  ),
  bundleOf: db.prepare('SELECT bundle, natural_key FROM messages WHERE id = ?'),
  nextDue: db.prepare(
    `SELECT min(next_attempt_at) AS t FROM deliveries WHERE destination_id = ? AND state IN ('${DeliveryState.pending}', '${DeliveryState.retryWait}')`,
  ),
  // Every part is in: a later resend starts again from the first (parts_total stays, for the record's page).
  markDelivered: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.delivered}', last_error_code = NULL, last_error = NULL, last_response = ?, delivered_at = ?, updated_at = ?, parts_done = 0
     WHERE message_id = ? AND destination_id = ?`,
  ),
  markRetry: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.retryWait}', next_attempt_at = ?, last_error_code = ?, last_error = ?, last_response = ?, updated_at = ?
     WHERE message_id = ? AND destination_id = ?`,
  ),
  markRejected: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.rejected}', last_error_code = ?, last_error = ?, last_response = ?, updated_at = ?
     WHERE message_id = ? AND destination_id = ?`,
  ),
  insertAttempt: db.prepare(
    `INSERT INTO delivery_attempts (message_id, destination_id, started_at, duration_ms, outcome, error_code, http_status, response)
     VALUES (@messageId, @destinationId, @startedAt, @durationMs, @outcome, @errorCode, @httpStatus, @response)`,
  ),
  resetInFlight: db.prepare(`UPDATE deliveries SET state = '${DeliveryState.pending}', updated_at = ? WHERE state = '${DeliveryState.inFlight}'`),
  markPartDone: db.prepare(
    `UPDATE deliveries SET parts_done = @partsDone, parts_total = @partsTotal, parts_limit = @partsLimit, last_response = @response, updated_at = @now
     WHERE message_id = @messageId AND destination_id = @destinationId`,
  ),
  restartParts: db.prepare('UPDATE deliveries SET parts_done = 0, parts_total = NULL, parts_limit = NULL, updated_at = ? WHERE message_id = ? AND destination_id = ?'),
  learnedLimit: db.prepare('SELECT max_entries FROM destination_limits WHERE destination_id = ?').pluck(),
  learnLimit: db.prepare(
    `INSERT INTO destination_limits (destination_id, max_entries, learned_at, http_status, reason) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (destination_id) DO UPDATE SET max_entries = excluded.max_entries, learned_at = excluded.learned_at, http_status = excluded.http_status, reason = excluded.reason`,
  ),
  resumeDestination: db.prepare(
    `UPDATE deliveries SET next_attempt_at = @now, updated_at = @now
     WHERE destination_id = @destinationId AND state = '${DeliveryState.retryWait}' AND next_attempt_at > @now`,
  ),
  retryNow: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.pending}', next_attempt_at = ?, updated_at = ?
     WHERE message_id = ? AND state IN ('${DeliveryState.retryWait}', '${DeliveryState.rejected}', '${DeliveryState.pending}')`,
  ),
}));

export class DeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PayloadCipher,
  ) {}

  /** Claims and settlements are outcomes of durable records: committed without an fsync of their own (withDerivedCommits). */
  private outcome<T>(fn: () => T): T {
    return withDerivedCommits(this.db, () => this.db.transaction(fn)());
  }

  /**
   * Claims up to `limit` due deliveries of one destination (state → in_flight). Only the claim
   * holds the write lock; the bundles are read and opened after it, so that an MLLP commit
   * waiting for the lock never waits for megabytes of bundles being decrypted.
   */
  claimDue(destinationId: string, now: number, limit: number): DueDelivery[] {
    const s = statements(this.db);
    const claimed = this.outcome(() => s.claimDue.all({ destinationId, now, limit }) as Row[]);
    claimed.sort((a, b) => Number(a.message_id) - Number(b.message_id));
    return claimed.map((c) => {
      const m = s.bundleOf.get(c.message_id) as Row;
      return {
        messageId: Number(c.message_id),
        destinationId: String(c.destination_id),
        attempts: Number(c.attempts),
        partsDone: Number(c.parts_done ?? 0),
        partsLimit: c.parts_limit == null ? null : Number(c.parts_limit),
        naturalKey: (m.natural_key as string | null) ?? null,
        bundle: this.cipher.openText(m.bundle as Buffer | string),
      };
    });
  }

  /** Earliest next_attempt_at among waiting deliveries of a destination, or null when none wait. */
  nextDueAt(destinationId: string): number | null {
    const r = statements(this.db).nextDue.get(destinationId) as { t: number | null };
    return r.t ?? null;
  }

  markDelivered(messageId: number, destinationId: string, response: string, attempt: AttemptRecord, now: number): void {
    this.outcome(() => {
      statements(this.db).markDelivered.run(this.sealed(response), now, now, messageId, destinationId);
      this.recordAttempt(attempt);
    });
  }

  markRetry(messageId: number, destinationId: string, nextAttemptAt: number, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void {
    this.outcome(() => {
      statements(this.db).markRetry.run(nextAttemptAt, errorCode, this.sealed(error), this.sealed(response), now, messageId, destinationId);
      this.recordAttempt(attempt);
      supersedeIfNewer(this.db, messageId, destinationId, now);
    });
  }

  markRejected(messageId: number, destinationId: string, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void {
    this.outcome(() => {
      statements(this.db).markRejected.run(errorCode, this.sealed(error), this.sealed(response), now, messageId, destinationId);
      this.recordAttempt(attempt);
      supersedeIfNewer(this.db, messageId, destinationId, now);
    });
  }

  /**
   * Parts 1..partsDone of a record cut for `partsLimit` entries per request are in the store.
   * Written with the part's attempt row, so a restart resumes at the first part not confirmed.
   */
  markPartDone(messageId: number, destinationId: string, progress: PartProgress, response: string | null, attempt: AttemptRecord | null, now: number): void {
    this.outcome(() => {
      statements(this.db).markPartDone.run({ messageId, destinationId, ...progress, response, now });
      if (attempt) this.recordAttempt(attempt);
    });
  }

  /** The parts must be cut again (the store taught a smaller limit): start from the first. */
  restartParts(messageId: number, destinationId: string, now: number): void {
    this.outcome(() => statements(this.db).restartParts.run(now, messageId, destinationId));
  }

  /** The entry limit this destination taught by a refusal, if any. */
  learnedLimit(destinationId: string): number | undefined {
    const n = statements(this.db).learnedLimit.get(destinationId) as number | undefined;
    return n ?? undefined;
  }

  learnLimit(destinationId: string, limit: LearnedLimit, now: number): void {
    this.outcome(() => statements(this.db).learnLimit.run(destinationId, limit.maxEntries, now, limit.httpStatus, limit.reason.slice(0, 500)));
  }

  /** The destination answers again: its waiting deliveries are due now, whatever their backoff. */
  resumeDestination(destinationId: string, now: number): number {
    return this.outcome(() => statements(this.db).resumeDestination.run({ destinationId, now }).changes);
  }

  /** An attempt that settled nothing on its own (e.g. a batch split after a rejection). */
  recordAttempt(a: AttemptRecord): void {
    const response = this.sealed(a.response);
    this.outcome(() => statements(this.db).insertAttempt.run({
      messageId: a.messageId,
      destinationId: a.destinationId,
      startedAt: a.startedAt,
      durationMs: a.durationMs,
      outcome: a.outcome,
      errorCode: a.errorCode ?? null,
      httpStatus: a.httpStatus ?? null,
      response,
    }));
  }

  /** A store's words may quote the patient: capped, cleaned and sealed (storeWords.ts). */
  private sealed(text: string | null | undefined): string | null {
    return sealStoreText(this.cipher, text);
  }

  /**
   * At start: deliveries left in flight by a crash go back to pending. Re-sending is safe
   * because entries are PUT with deterministic ids (DESIGN §4.6).
   */
  resetInFlight(now: number): number {
    return statements(this.db).resetInFlight.run(now).changes;
  }

  /** Operator action: make a message's waiting or rejected deliveries due now. */
  retryNow(messageId: number, now: number): number {
    return statements(this.db).retryNow.run(now, now, messageId).changes;
  }
}

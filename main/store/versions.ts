// Never older over newer (DESIGN §4.6): a record exported again from the HIS arrives as a new
// version of the same natural key (intake.ts numbers them). Once a newer version is converted
// and queued, what is still owed of an older one at any destination becomes `superseded`: not
// sent, not resendable, not counted in the backlog. Delivered rows stay delivered (history);
// an operator's resend of an older version is refused.
import type { Db } from './database.js';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from './states.js';

/** States of an older version's delivery that a newer version takes over. */
const REPLACEABLE = [DeliveryState.pending, DeliveryState.retryWait, DeliveryState.rejected, DeliveryState.paused, DeliveryState.cancelled].map((s) => `'${s}'`).join(', ');

/** The newest converted version of message `id`'s natural key that is newer than it. */
const NEWER = `SELECT n.id FROM messages o JOIN messages n INDEXED BY messages_by_natural_key ON n.natural_key = o.natural_key AND n.version > o.version
               WHERE o.id = @id AND o.natural_key IS NOT NULL AND n.state = '${MessageState.converted}' ORDER BY n.version DESC LIMIT 1`;

const statements = preparedStatements((db: Db) => ({
  newer: db.prepare(NEWER).pluck(),
  supersedeOlder: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.superseded}', superseded_by = @id, updated_at = @now
     WHERE state IN (${REPLACEABLE}) AND message_id IN (
       SELECT o.id FROM messages n JOIN messages o INDEXED BY messages_by_natural_key ON o.natural_key = n.natural_key AND o.version < n.version
       WHERE n.id = @id AND n.natural_key IS NOT NULL)`,
  ),
  supersedeSelf: db.prepare(
    `UPDATE deliveries SET state = '${DeliveryState.superseded}', superseded_by = (${NEWER}), updated_at = @now
     WHERE message_id = @id AND (@destination IS NULL OR destination_id = @destination) AND state IN (${REPLACEABLE}) AND EXISTS (${NEWER})`,
  ),
}));

/** The id of a newer converted version of this record, if one exists. */
export function newerVersionOf(db: Db, messageId: number): number | undefined {
  return (statements(db).newer.get({ id: messageId }) as number | undefined) ?? undefined;
}

/**
 * Message `messageId` was converted and queued: older versions' open deliveries are superseded
 * by it, and its own are superseded if a newer version was queued before it (converted late).
 * Call inside the transaction that queues it.
 */
export function supersedeOnQueue(db: Db, messageId: number, now: number): void {
  const s = statements(db);
  s.supersedeOlder.run({ id: messageId, now });
  s.supersedeSelf.run({ id: messageId, destination: null, now });
}

/**
 * A delivery that was in flight when a newer version was queued has settled as waiting or
 * rejected: it is superseded now rather than sent again.
 */
export function supersedeIfNewer(db: Db, messageId: number, destinationId: string, now: number): void {
  statements(db).supersedeSelf.run({ id: messageId, destination: destinationId, now });
}

export class SupersededError extends Error {
  constructor(
    readonly messageId: number,
    readonly newerId: number,
  ) {
    super(
      `Bản ghi ${messageId} đã được thay thế bởi phiên bản mới hơn (bản ghi ${newerId}); phiên bản mới được gửi thay, bản cũ không được gửi lại. ` +
        `/ Record ${messageId} was replaced by a newer version (record ${newerId}); the newer one is sent instead, and the older one is not sent again.`,
    );
  }
}

/** Refuses an operator's send of an older version. */
export function assertNewest(db: Db, messageId: number): void {
  const newer = newerVersionOf(db, messageId);
  if (newer !== undefined) throw new SupersededError(messageId, newer);
}

// Retention (DESIGN §4.8): payloads of records delivered everywhere are dropped after a while
// or when the payload cap is reached; their metadata stays for reports. An older version whose
// deliveries were superseded by a newer one counts as done.
import type { Db } from './database.js';
import { preparedStatements } from './prepared.js';
import { DeliveryState, MessageState } from './states.js';

const statements = preparedStatements((db: Db) => ({
  prune: db.prepare(
    `UPDATE messages SET raw = NULL, bundle = NULL WHERE id IN (
       SELECT m.id FROM messages m
       WHERE m.state = '${MessageState.converted}' AND (m.raw IS NOT NULL OR m.bundle IS NOT NULL)
         -- superseded: a newer version was sent instead, nothing more is owed here
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id
           AND (d.state NOT IN ('${DeliveryState.delivered}', '${DeliveryState.superseded}') OR coalesce(d.delivered_at, d.updated_at) >= @cutoff))
         AND EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id)
       ORDER BY m.id LIMIT @limit)`,
  ),
  payloadBytes: db.prepare('SELECT coalesce(sum(coalesce(length(raw), 0) + coalesce(length(bundle), 0)), 0) AS n FROM messages'),
}));

export class RetentionStore {
  constructor(private readonly db: Db) {}

  /**
   * Drops the payloads (raw input and bundle) of records delivered everywhere before `cutoff`;
   * their metadata stays for reports. Oldest first, at most `limit` records per call.
   */
  pruneDeliveredPayloads(cutoff: number, limit: number): number {
    return statements(this.db).prune.run({ cutoff, limit }).changes;
  }

  /** Bytes held by payloads still stored (raw input + bundle JSON). */
  payloadBytes(): number {
    return (statements(this.db).payloadBytes.get() as { n: number }).n;
  }

  /** Gives freed pages back to the file system and trims the WAL. */
  reclaimSpace(): void {
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

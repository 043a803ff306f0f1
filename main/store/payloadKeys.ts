// Key rotation on the stored side: re-sealing payloads with the current data key and finding
// which keys still seal anything (a data key is dropped only when nothing is sealed with it).
import type { Db, Row } from './database.js';
import { preparedStatements } from './prepared.js';
import { PayloadCipher } from './payloadCipher.js';
import { resealStoreText, SEALED_TEXT_PREFIX, storeTextKeyId, storeTextStale } from './storeWords.js';

const statements = preparedStatements((db: Db) => ({
  page: db.prepare('SELECT m.id, m.raw, m.bundle, m.issues, s.patient_name, s.ma_bn_sealed FROM messages m LEFT JOIN record_search s ON s.message_id = m.id WHERE m.id > ? ORDER BY m.id LIMIT ?'),
  resealMessage: db.prepare('UPDATE messages SET raw = ?, bundle = ?, issues = ? WHERE id = ?'),
  resealSearch: db.prepare('UPDATE record_search SET patient_name = ?, ma_bn_sealed = ? WHERE message_id = ?'),
  keyPrefixes: db.prepare(`SELECT DISTINCT k FROM (
    SELECT substr(raw, 1, 5) AS k FROM messages WHERE raw IS NOT NULL
    UNION SELECT substr(bundle, 1, 5) FROM messages WHERE bundle IS NOT NULL
    UNION SELECT substr(issues, 1, 5) FROM messages WHERE issues IS NOT NULL
    UNION SELECT substr(patient_name, 1, 5) FROM record_search WHERE patient_name IS NOT NULL
    UNION SELECT substr(ma_bn_sealed, 1, 5) FROM record_search WHERE ma_bn_sealed IS NOT NULL)`),
  // A store's words (storeWords.ts): the marker and the first 8 base64 characters name the key.
  storeTextKeys: db.prepare(`SELECT DISTINCT k FROM (
    SELECT substr(last_error, 1, ${SEALED_TEXT_PREFIX.length + 8}) AS k FROM deliveries WHERE last_error IS NOT NULL
    UNION SELECT substr(last_response, 1, ${SEALED_TEXT_PREFIX.length + 8}) FROM deliveries WHERE last_response IS NOT NULL
    UNION SELECT substr(response, 1, ${SEALED_TEXT_PREFIX.length + 8}) FROM delivery_attempts WHERE response IS NOT NULL)`),
  deliveryTexts: db.prepare('SELECT rowid AS r, last_error, last_response FROM deliveries WHERE message_id = ?'),
  resealDelivery: db.prepare('UPDATE deliveries SET last_error = ?, last_response = ? WHERE rowid = ?'),
  attemptTexts: db.prepare('SELECT id, response FROM delivery_attempts WHERE message_id = ? AND response IS NOT NULL'),
  resealAttempt: db.prepare('UPDATE delivery_attempts SET response = ? WHERE id = ?'),
  // Records with a store's text still in clear.
  messageIdsWithPlainText: db.prepare(`SELECT message_id AS id FROM deliveries
      WHERE message_id > ? AND (substr(last_error, 1, ${SEALED_TEXT_PREFIX.length}) <> '${SEALED_TEXT_PREFIX}' OR substr(last_response, 1, ${SEALED_TEXT_PREFIX.length}) <> '${SEALED_TEXT_PREFIX}')
    UNION SELECT message_id FROM delivery_attempts WHERE message_id > ? AND substr(response, 1, ${SEALED_TEXT_PREFIX.length}) <> '${SEALED_TEXT_PREFIX}'
    ORDER BY id LIMIT ?`),
}));

export class PayloadKeys {
  constructor(
    private readonly db: Db,
    private readonly cipher: PayloadCipher,
  ) {}

  /**
   * Re-seals, with the current key, the payloads of up to `limit` records after `afterId` that
   * are plaintext or sealed with an older key. Returns where to continue (null when done).
   */
  resealPayloads(afterId: number, limit: number): { nextAfterId: number | null; changed: number } {
    const c = this.cipher;
    const s = statements(this.db);
    const rows = s.page.all(afterId, limit) as Row[];
    const stale = (v: unknown) => v != null && (typeof v === 'string' || PayloadCipher.keyIdOf(v as Buffer) !== (c.encrypting ? c.currentKeyId : null));
    const reseal = (v: unknown) => (v == null ? null : typeof v === 'string' ? c.seal(Buffer.from(v, 'utf8')) : c.reseal(v as Buffer));
    let changed = 0;
    this.db.transaction(() => {
      for (const r of rows) {
        const texts = this.resealStoreTexts(Number(r.id));
        if (![r.raw, r.bundle, r.issues, r.patient_name, r.ma_bn_sealed].some(stale)) {
          if (texts) changed++;
          continue;
        }
        s.resealMessage.run(reseal(r.raw), reseal(r.bundle), reseal(r.issues), r.id);
        s.resealSearch.run(reseal(r.patient_name), reseal(r.ma_bn_sealed), r.id);
        changed++;
      }
    })();
    return { nextAfterId: rows.length === limit ? Number(rows[rows.length - 1]!.id) : null, changed };
  }

  /** Re-seals what the stores said about one record's deliveries; true when anything changed. */
  private resealStoreTexts(messageId: number): boolean {
    const c = this.cipher;
    const s = statements(this.db);
    let changed = false;
    for (const d of s.deliveryTexts.all(messageId) as Row[]) {
      const [e, r] = [d.last_error as string | null, d.last_response as string | null];
      if (!storeTextStale(c, e) && !storeTextStale(c, r)) continue;
      s.resealDelivery.run(resealStoreText(c, e), resealStoreText(c, r), d.r);
      changed = true;
    }
    for (const a of s.attemptTexts.all(messageId) as Row[]) {
      if (!storeTextStale(c, a.response as string)) continue;
      s.resealAttempt.run(resealStoreText(c, a.response as string), a.id);
      changed = true;
    }
    return changed;
  }

  /**
   * Seals, in batches, stores' texts kept in clear (written before they were sealed, or while
   * encryption was off). Run when the store opens; returns how many records were touched.
   */
  sealStoreTexts(batch = 500): number {
    if (!this.cipher.encrypting) return 0;
    const s = statements(this.db);
    let touched = 0;
    for (let after = 0; ; ) {
      const ids = (s.messageIdsWithPlainText.all(after, after, batch) as { id: number }[]).map((r) => Number(r.id));
      if (ids.length === 0) return touched;
      this.db.transaction(() => {
        for (const id of ids) if (this.resealStoreTexts(id)) touched++;
      })();
      after = ids[ids.length - 1]!;
    }
  }

  /** Ids of the data keys that sealed any stored payload. */
  keysInUse(): Set<number> {
    const ids = new Set<number>();
    for (const r of statements(this.db).storeTextKeys.all() as { k: string }[]) {
      const id = typeof r.k === 'string' ? storeTextKeyId(r.k) : null;
      if (id !== null) ids.add(id);
    }
    for (const r of statements(this.db).keyPrefixes.all() as { k: Buffer | string }[]) {
      if (!Buffer.isBuffer(r.k)) continue;
      const id = PayloadCipher.keyIdOf(Buffer.concat([r.k, Buffer.alloc(40)]));
      if (id !== null) ids.add(id);
    }
    return ids;
  }
}

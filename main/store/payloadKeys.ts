// Key rotation on the stored side: re-sealing payloads with the current data key and finding
// which keys still seal anything (a data key is dropped only when nothing is sealed with it).
import type { Db, Row } from './database.js';
import { preparedStatements } from './prepared.js';
import { PayloadCipher } from './payloadCipher.js';

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
    const reseal = (v: unknown) => (v == null ? null : c.seal(typeof v === 'string' ? Buffer.from(v, 'utf8') : c.open(v as Buffer)));
    let changed = 0;
    this.db.transaction(() => {
      for (const r of rows) {
        if (![r.raw, r.bundle, r.issues, r.patient_name, r.ma_bn_sealed].some(stale)) continue;
        s.resealMessage.run(reseal(r.raw), reseal(r.bundle), reseal(r.issues), r.id);
        s.resealSearch.run(reseal(r.patient_name), reseal(r.ma_bn_sealed), r.id);
        changed++;
      }
    })();
    return { nextAfterId: rows.length === limit ? Number(rows[rows.length - 1]!.id) : null, changed };
  }

  /** Ids of the data keys that sealed any stored payload. */
  keysInUse(): Set<number> {
    const ids = new Set<number>();
    for (const r of statements(this.db).keyPrefixes.all() as { k: Buffer | string }[]) {
      if (!Buffer.isBuffer(r.k)) continue;
      const id = PayloadCipher.keyIdOf(Buffer.concat([r.k, Buffer.alloc(40)]));
      if (id !== null) ids.add(id);
    }
    return ids;
  }
}

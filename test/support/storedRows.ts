// What the agent's database holds, read the way an auditor would: a separate read-only
// better-sqlite3 connection (never the Store under test), and sealed payloads opened here with
// the data key (AES-256-GCM; layout of main/store/payloadCipher.ts: "VE" 0x01, key id u16,
// IV 12, tag 16, body), so a test compares stored bytes with what was sent without trusting the store's reader.
import { createDecipheriv } from 'node:crypto';
import Database from 'better-sqlite3';

export interface StoredMessageRow {
  id: number;
  sourceId: string;
  format: string;
  naturalKey: string | null;
  fileId: number | null;
  /** Path of the file the record came from, when it came from a file. */
  filePath: string | null;
  state: string;
  /** Original bytes, unsealed; null once pruned. */
  raw: Buffer | null;
}

const MAGIC = Buffer.from([0x56, 0x45, 0x01]);
const IV_AT = MAGIC.length + 2;
const TAG_AT = IV_AT + 12;
const BODY_AT = TAG_AT + 16;

/** Opens one sealed payload with `dataKey`; a payload without the header is plaintext. */
export function unseal(stored: Buffer, dataKey: Buffer | undefined): Buffer {
  if (!(stored.length >= BODY_AT && stored.subarray(0, MAGIC.length).equals(MAGIC))) return stored;
  if (!dataKey) throw new Error('payload is sealed but the test gave no data key');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, stored.subarray(IV_AT, TAG_AT));
  decipher.setAuthTag(stored.subarray(TAG_AT, BODY_AT));
  return Buffer.concat([decipher.update(stored.subarray(BODY_AT)), decipher.final()]);
}

/** Every message row of one source (or all), with raw bytes unsealed. */
export function readStoredMessages(dbPath: string, opts: { sourceId?: string; dataKey?: Buffer } = {}): StoredMessageRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT m.id, m.source_id, m.format, m.natural_key, m.file_id, f.path AS file_path, m.state, m.raw
           FROM messages m LEFT JOIN ingested_files f ON f.id = m.file_id
          WHERE (? IS NULL OR m.source_id = ?) ORDER BY m.id`,
      )
      .all(opts.sourceId ?? null, opts.sourceId ?? null) as {
      id: number;
      source_id: string;
      format: string;
      natural_key: string | null;
      file_id: number | null;
      file_path: string | null;
      state: string;
      raw: Buffer | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      sourceId: r.source_id,
      format: r.format,
      naturalKey: r.natural_key,
      fileId: r.file_id,
      filePath: r.file_path,
      state: r.state,
      raw: r.raw === null ? null : unseal(r.raw, opts.dataKey),
    }));
  } finally {
    db.close();
  }
}

/** Rows grouped by a key (e.g. natural key = MSH-10 for HL7v2). */
export function groupRows<K>(rows: readonly StoredMessageRow[], key: (r: StoredMessageRow) => K): Map<K, StoredMessageRow[]> {
  const out = new Map<K, StoredMessageRow[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

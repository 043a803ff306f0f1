// Intake: files and single messages committed durably, with a file's resume point in the same
// transaction as its records (DESIGN §4.1), plus the HL7v2 ACK bookkeeping and group commit
// that the MLLP path runs its commits through.
import { createHash } from 'node:crypto';
import type { Db, Row } from './database.js';
import { preparedStatements } from './prepared.js';
import type { PayloadCipher } from './payloadCipher.js';
import { FileState, MessageState } from './states.js';
import type { FileProgress, InsertResult, NewRecord, RawChunks } from './types.js';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a record's bytes, whole or in chunks (the same bytes give the same hash). */
function rawHash(raw: Buffer | RawChunks): string {
  if (Buffer.isBuffer(raw)) return sha256(raw);
  const h = createHash('sha256');
  for (const chunk of raw.chunks()) h.update(chunk);
  return h.digest('hex');
}

const statements = preparedStatements((db: Db) => ({
  fileByHash: db.prepare('SELECT id, state, records_committed FROM ingested_files WHERE source_id = ? AND content_hash = ?'),
  insertFile: db.prepare(
    `INSERT INTO ingested_files (source_id, path, content_hash, size, state, started_at) VALUES (?, ?, ?, ?, '${FileState.reading}', ?)`,
  ),
  restartFile: db.prepare(
    `UPDATE ingested_files SET path = ?, state = '${FileState.reading}', error_code = NULL, error_message = NULL WHERE id = ?`,
  ),
  fileProgress: db.prepare('UPDATE ingested_files SET records_committed = ? WHERE id = ?'),
  finishFile: db.prepare('UPDATE ingested_files SET state = ?, error_code = ?, error_message = ?, finished_at = ? WHERE id = ?'),
  messageByHash: db.prepare('SELECT id FROM messages WHERE source_id = ? AND content_hash = ?'),
  maxVersion: db.prepare('SELECT max(version) AS v FROM messages WHERE natural_key = ?'),
  insertMessage: db.prepare(
    `INSERT INTO messages (source_id, format, content_hash, natural_key, version, raw, raw_size, file_id, record_index, state, error_code, error_message, received_at)
     VALUES (@sourceId, @format, @hash, @naturalKey, @version, @raw, @rawSize, @fileId, @recordIndex, @state, @errorCode, @errorMessage, @receivedAt)`,
  ),
  indexKey: db.prepare('INSERT OR REPLACE INTO record_search (message_id, record_key) VALUES (?, ?)'),
}));

export class Intake {
  constructor(
    private readonly db: Db,
    private readonly cipher: PayloadCipher,
  ) {}

  /** Starts (or resumes) intake of a file; a file already done is reported as such. */
  beginFile(sourceId: string, path: string, contentHash: string, size: number, now: number): FileProgress {
    const s = statements(this.db);
    const existing = s.fileByHash.get(sourceId, contentHash) as Row | undefined;
    if (existing) {
      if (existing.state !== FileState.done) s.restartFile.run(path, existing.id);
      return { fileId: Number(existing.id), state: existing.state === FileState.done ? FileState.done : FileState.reading, recordsCommitted: Number(existing.records_committed) };
    }
    const info = s.insertFile.run(sourceId, path, contentHash, size, now);
    return { fileId: Number(info.lastInsertRowid), state: FileState.reading, recordsCommitted: 0 };
  }

  /**
   * Commits a batch of records of one file and the file's new resume point in ONE
   * transaction: after a crash, intake resumes exactly after the last committed record.
   */
  commitFileRecords(fileId: number, records: readonly NewRecord[], recordsCommitted: number, now: number): InsertResult[] {
    return this.db.transaction(() => {
      const results = records.map((r) => this.insertRecordInTx(r, fileId, now));
      statements(this.db).fileProgress.run(recordsCommitted, fileId);
      return results;
    })();
  }

  finishFile(fileId: number, state: typeof FileState.done | typeof FileState.failed, now: number, error?: { code: string; message: string }): void {
    statements(this.db).finishFile.run(state, error?.code ?? null, error?.message ?? null, now, fileId);
  }

  /** Stores one record durably; returns once committed (the caller may then acknowledge). */
  insertMessage(record: NewRecord, now: number): InsertResult {
    return this.db.transaction(() => this.insertRecordInTx(record, null, now))();
  }

  private insertRecordInTx(r: NewRecord, fileId: number | null, now: number): InsertResult {
    const s = statements(this.db);
    const hash = rawHash(r.raw);
    const dup = s.messageByHash.get(r.sourceId, hash) as Row | undefined;
    if (dup) return { id: Number(dup.id), duplicate: true };
    const prev = r.naturalKey ? ((s.maxVersion.get(r.naturalKey) as { v: number | null }).v ?? 0) : 0;
    const info = s.insertMessage.run({
      sourceId: r.sourceId,
      format: r.format,
      hash,
      naturalKey: r.naturalKey,
      version: prev + 1,
      raw: Buffer.isBuffer(r.raw) ? this.cipher.seal(r.raw) : this.cipher.sealChunks(r.raw.chunks()),
      rawSize: Buffer.isBuffer(r.raw) ? r.raw.length : r.raw.size,
      fileId,
      recordIndex: r.recordIndex ?? null,
      state: r.invalid ? MessageState.invalid : MessageState.received,
      errorCode: r.invalid?.code ?? null,
      errorMessage: r.invalid?.message ?? null,
      receivedAt: now,
    });
    const id = Number(info.lastInsertRowid);
    const key = r.naturalKey && r.naturalKey.includes('|') ? r.naturalKey.slice(r.naturalKey.indexOf('|') + 1) : r.naturalKey;
    s.indexKey.run(id, key);
    return { id, duplicate: false };
  }
}

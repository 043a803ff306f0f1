// The durable store: the ONLY module that runs SQL (STYLE habit 3). better-sqlite3 in WAL
// mode with synchronous=FULL, so that a committed record survives a power loss before any
// sender is acknowledged or any file moved (DESIGN §4.1).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';
import { DeliveryState, FileState, MessageState, OPEN_DELIVERY_STATES } from './states.js';
import { PayloadCipher, plaintextCipher } from './payloadCipher.js';
import { nameWords, searchFieldsOf } from './searchFields.js';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface NewRecord {
  sourceId: string;
  format: string;
  raw: Buffer;
  naturalKey: string | null;
  recordIndex?: number;
  /** A record known bad at intake (e.g. unreadable base64) is stored straight as invalid. */
  invalid?: { code: string; message: string };
}

export interface InsertResult {
  id: number;
  /** True when the same bytes from the same source were already stored (nothing written). */
  duplicate: boolean;
}

export interface FileProgress {
  fileId: number;
  state: string;
  recordsCommitted: number;
}

export interface MessageToConvert {
  id: number;
  sourceId: string;
  format: string;
  raw: Buffer;
  naturalKey: string | null;
  version: number;
}

export interface DueDelivery {
  messageId: number;
  destinationId: string;
  attempts: number;
  naturalKey: string | null;
  bundle: string;
}

export interface AttemptRecord {
  messageId: number;
  destinationId: string;
  startedAt: number;
  durationMs: number;
  outcome: string;
  errorCode?: string;
  httpStatus?: number;
  response?: string;
}

export interface SourceCounts {
  sourceId: string;
  received: number;
  lastReceivedAt: number | null;
}

export interface DestinationCounts {
  destinationId: string;
  pending: number;
  delivered: number;
  rejected: number;
  lastSuccessAt: number | null;
}

export interface MessageRow {
  id: number;
  sourceId: string;
  format: string;
  naturalKey: string | null;
  version: number;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  receivedAt: number;
  convertedAt: number | null;
  resourceCount: number | null;
  rawSize: number;
}

export interface DeliveryRow {
  messageId: number;
  destinationId: string;
  state: string;
  attempts: number;
  nextAttemptAt: number;
  lastErrorCode: string | null;
  lastError: string | null;
  lastResponse: string | null;
  deliveredAt: number | null;
}

type Row = Record<string, unknown>;

export class Store {
  readonly db: Database.Database;
  private readonly stmt: ReturnType<Store['prepareStatements']>;

  private constructor(
    readonly path: string,
    /** Seals payloads and makes blind indexes; plaintext unless the agent gives its keyring's. */
    readonly cipher: PayloadCipher,
  ) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const isNew = !existsSync(path);
      this.db = new Database(path);
      if (isNew) chmodSync(path, 0o600); // patient data: owner only (DESIGN §9)
    } else {
      this.db = new Database(path);
    }
    // Retention frees payload space; incremental auto-vacuum gives it back to the disk. It can
    // only be chosen before the first table exists.
    if ((this.db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n === 0) this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, MIGRATIONS);
    this.stmt = this.prepareStatements();
  }

  static open(path: string, cipher: PayloadCipher = plaintextCipher()): Store {
    return new Store(path, cipher);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  private prepareStatements() {
    const db = this.db;
    return {
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
      claimReceived: db.prepare(
        `SELECT id, source_id, format, raw, natural_key, version FROM messages WHERE state = '${MessageState.received}' AND id > ? ORDER BY id LIMIT ?`,
      ),
      markConverted: db.prepare(
        `UPDATE messages SET state = '${MessageState.converted}', error_code = NULL, error_message = NULL, bundle = ?, issues = ?, resource_count = ?, warning_count = ?,
           missing_fields = ?, normalised_count = ?, converted_at = ? WHERE id = ?`,
      ),
      markInvalid: db.prepare(
        `UPDATE messages SET state = '${MessageState.invalid}', error_code = ?, error_message = ?, issues = ?, warning_count = ?, converted_at = ? WHERE id = ?`,
      ),
      indexKey: db.prepare('INSERT OR REPLACE INTO record_search (message_id, record_key) VALUES (?, ?)'),
      indexFields: db.prepare('UPDATE record_search SET ma_bn = ?, cccd = ?, patient_name = ?, ma_bn_sealed = ?, encounter_end = ? WHERE message_id = ?'),
      dropWords: db.prepare('DELETE FROM record_name_words WHERE message_id = ?'),
      addWord: db.prepare('INSERT OR IGNORE INTO record_name_words (word, message_id) VALUES (?, ?)'),
      insertDelivery: db.prepare(
        `INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at, order_key) VALUES (?, ?, '${DeliveryState.pending}', ?, ?, ?, ?)
         ON CONFLICT (message_id, destination_id) DO UPDATE SET state = '${DeliveryState.pending}', next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at, order_key = excluded.order_key
         WHERE deliveries.state <> '${DeliveryState.inFlight}'`,
      ),
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
         RETURNING message_id, destination_id, attempts`,
      ),
      bundleOf: db.prepare('SELECT bundle, natural_key FROM messages WHERE id = ?'),
      nextDue: db.prepare(
        `SELECT min(next_attempt_at) AS t FROM deliveries WHERE destination_id = ? AND state IN ('${DeliveryState.pending}', '${DeliveryState.retryWait}')`,
      ),
      markDelivered: db.prepare(
        `UPDATE deliveries SET state = '${DeliveryState.delivered}', last_error_code = NULL, last_error = NULL, last_response = ?, delivered_at = ?, updated_at = ?
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
      resetInFlight: db.prepare(
        `UPDATE deliveries SET state = '${DeliveryState.pending}', updated_at = ? WHERE state = '${DeliveryState.inFlight}'`,
      ),
      retryNow: db.prepare(
        `UPDATE deliveries SET state = '${DeliveryState.pending}', next_attempt_at = ?, updated_at = ?
         WHERE message_id = ? AND state IN ('${DeliveryState.retryWait}', '${DeliveryState.rejected}', '${DeliveryState.pending}')`,
      ),
      // state_counts: kept exact by triggers (migration 7), so status costs the same at any size
      countsByState: db.prepare("SELECT state, n FROM state_counts WHERE scope = 'message' AND n > 0"),
      sourceCounts: db.prepare("SELECT key AS source_id, n FROM state_counts WHERE scope = 'source'"),
      // messages_by_source_time: the newest record of one source
      sourceLast: db.prepare('SELECT max(received_at) AS last FROM messages WHERE source_id = ?'),
      destinationCounts: db.prepare("SELECT key AS destination_id, state, n FROM state_counts WHERE scope = 'delivery' AND n > 0"),
      // deliveries_delivered: the last success of one destination
      lastDelivered: db.prepare('SELECT max(delivered_at) AS last FROM deliveries WHERE destination_id = ? AND delivered_at IS NOT NULL'),
      message: db.prepare(
        'SELECT id, source_id, format, natural_key, version, state, error_code, error_message, received_at, converted_at, resource_count, raw_size FROM messages WHERE id = ?',
      ),
      messageDetail: db.prepare('SELECT raw, bundle, issues FROM messages WHERE id = ?'),
      deliveriesOf: db.prepare(
        'SELECT message_id, destination_id, state, attempts, next_attempt_at, last_error_code, last_error, last_response, delivered_at FROM deliveries WHERE message_id = ? ORDER BY destination_id',
      ),
      attemptsOf: db.prepare('SELECT * FROM delivery_attempts WHERE message_id = ? ORDER BY id'),
      listMessages: db.prepare(
        'SELECT id, source_id, format, natural_key, version, state, error_code, error_message, received_at, converted_at, resource_count, raw_size FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?',
      ),
    };
  }

  // ---- intake: files ------------------------------------------------------------------

  /** Starts (or resumes) intake of a file; a file already done is reported as such. */
  beginFile(sourceId: string, path: string, contentHash: string, size: number, now: number): FileProgress {
    const existing = this.stmt.fileByHash.get(sourceId, contentHash) as Row | undefined;
    if (existing) {
      if (existing.state !== FileState.done) this.stmt.restartFile.run(path, existing.id);
      return { fileId: Number(existing.id), state: existing.state === FileState.done ? FileState.done : FileState.reading, recordsCommitted: Number(existing.records_committed) };
    }
    const info = this.stmt.insertFile.run(sourceId, path, contentHash, size, now);
    return { fileId: Number(info.lastInsertRowid), state: FileState.reading, recordsCommitted: 0 };
  }

  /**
   * Commits a batch of records of one file and the file's new resume point in ONE
   * transaction: after a crash, intake resumes exactly after the last committed record.
   */
  commitFileRecords(fileId: number, records: readonly NewRecord[], recordsCommitted: number, now: number): InsertResult[] {
    return this.db.transaction(() => {
      const results = records.map((r) => this.insertRecordInTx(r, fileId, now));
      this.stmt.fileProgress.run(recordsCommitted, fileId);
      return results;
    })();
  }

  finishFile(fileId: number, state: typeof FileState.done | typeof FileState.failed, now: number, error?: { code: string; message: string }): void {
    this.stmt.finishFile.run(state, error?.code ?? null, error?.message ?? null, now, fileId);
  }

  // ---- intake: single messages (MLLP) --------------------------------------------------

  /** Stores one record durably; returns once committed (the caller may then acknowledge). */
  insertMessage(record: NewRecord, now: number): InsertResult {
    return this.db.transaction(() => this.insertRecordInTx(record, null, now))();
  }

  private insertRecordInTx(r: NewRecord, fileId: number | null, now: number): InsertResult {
    const hash = sha256(r.raw);
    const dup = this.stmt.messageByHash.get(r.sourceId, hash) as Row | undefined;
    if (dup) return { id: Number(dup.id), duplicate: true };
    const prev = r.naturalKey ? ((this.stmt.maxVersion.get(r.naturalKey) as { v: number | null }).v ?? 0) : 0;
    const info = this.stmt.insertMessage.run({
      sourceId: r.sourceId,
      format: r.format,
      hash,
      naturalKey: r.naturalKey,
      version: prev + 1,
      raw: this.cipher.seal(r.raw),
      rawSize: r.raw.length,
      fileId,
      recordIndex: r.recordIndex ?? null,
      state: r.invalid ? MessageState.invalid : MessageState.received,
      errorCode: r.invalid?.code ?? null,
      errorMessage: r.invalid?.message ?? null,
      receivedAt: now,
    });
    const id = Number(info.lastInsertRowid);
    const key = r.naturalKey && r.naturalKey.includes('|') ? r.naturalKey.slice(r.naturalKey.indexOf('|') + 1) : r.naturalKey;
    this.stmt.indexKey.run(id, key);
    return { id, duplicate: false };
  }

  // ---- conversion ------------------------------------------------------------------------

  /** Messages waiting for conversion, oldest first, after `afterId`. */
  messagesToConvert(limit: number, afterId = 0): MessageToConvert[] {
    return (this.stmt.claimReceived.all(afterId, limit) as Row[]).map((r) => ({
      id: Number(r.id),
      sourceId: String(r.source_id),
      format: String(r.format),
      raw: this.cipher.open(r.raw as Buffer),
      naturalKey: (r.natural_key as string | null) ?? null,
      version: Number(r.version),
    }));
  }

  /** Stores the FHIR bundle and queues one delivery per destination, atomically. */
  /**
   * Stores the FHIR bundle and queues one delivery per destination, atomically. `orderKey`
   * (the record's Patient id) keeps one patient's records in order at each destination.
   */
  markConverted(
    messageId: number,
    bundleJson: string,
    issuesJson: string,
    resourceCount: number,
    destinationIds: readonly string[],
    now: number,
    orderKey: string | null = null,
    quality?: { missing: readonly string[]; normalised: number },
  ): void {
    const fields = searchFieldsOf(JSON.parse(bundleJson) as Parameters<typeof searchFieldsOf>[0]);
    const c = this.cipher;
    this.db.transaction(() => {
      this.stmt.markConverted.run(
        c.sealText(bundleJson),
        c.sealText(issuesJson),
        resourceCount,
        warningCountOf(issuesJson),
        quality ? quality.missing.join(',') : null,
        quality ? quality.normalised : null,
        now,
        messageId,
      );
      for (const d of destinationIds) this.stmt.insertDelivery.run(messageId, d, now, now, now, orderKey);
      this.stmt.indexFields.run(
        fields.maBn ? c.blindIndex(fields.maBn) : null,
        fields.cccd ? c.blindIndex(fields.cccd) : null,
        fields.patientName ? c.sealText(fields.patientName) : null,
        fields.maBn ? c.sealText(fields.maBn) : null,
        fields.encounterEnd,
        messageId,
      );
      this.stmt.dropWords.run(messageId);
      if (fields.patientName) for (const w of nameWords(fields.patientName)) this.stmt.addWord.run(c.blindIndex(`name:${w}`), messageId);
    })();
  }

  markInvalid(messageId: number, code: string, message: string, issuesJson: string | null, now: number): void {
    this.stmt.markInvalid.run(code, message, issuesJson === null ? null : this.cipher.sealText(issuesJson), issuesJson === null ? null : warningCountOf(issuesJson), now, messageId);
  }

  // ---- delivery ----------------------------------------------------------------------------

  /** Claims up to `limit` due deliveries of one destination (state → in_flight). */
  claimDue(destinationId: string, now: number, limit: number): DueDelivery[] {
    return this.db.transaction(() => {
      const claimed = this.stmt.claimDue.all({ destinationId, now, limit }) as Row[];
      claimed.sort((a, b) => Number(a.message_id) - Number(b.message_id));
      return claimed.map((c) => {
        const m = this.stmt.bundleOf.get(c.message_id) as Row;
        return {
          messageId: Number(c.message_id),
          destinationId: String(c.destination_id),
          attempts: Number(c.attempts),
          naturalKey: (m.natural_key as string | null) ?? null,
          bundle: this.cipher.openText(m.bundle as Buffer | string),
        };
      });
    })();
  }

  /** Earliest next_attempt_at among waiting deliveries of a destination, or null when none wait. */
  nextDueAt(destinationId: string): number | null {
    const r = this.stmt.nextDue.get(destinationId) as { t: number | null };
    return r.t ?? null;
  }

  markDelivered(messageId: number, destinationId: string, response: string, attempt: AttemptRecord, now: number): void {
    this.db.transaction(() => {
      this.stmt.markDelivered.run(response, now, now, messageId, destinationId);
      this.insertAttempt(attempt);
    })();
  }

  markRetry(messageId: number, destinationId: string, nextAttemptAt: number, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void {
    this.db.transaction(() => {
      this.stmt.markRetry.run(nextAttemptAt, errorCode, error, response, now, messageId, destinationId);
      this.insertAttempt(attempt);
    })();
  }

  markRejected(messageId: number, destinationId: string, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void {
    this.db.transaction(() => {
      this.stmt.markRejected.run(errorCode, error, response, now, messageId, destinationId);
      this.insertAttempt(attempt);
    })();
  }

  /** An attempt that settled nothing on its own (e.g. a batch split after a rejection). */
  recordAttempt(a: AttemptRecord): void {
    this.insertAttempt(a);
  }

  private insertAttempt(a: AttemptRecord): void {
    this.stmt.insertAttempt.run({
      messageId: a.messageId,
      destinationId: a.destinationId,
      startedAt: a.startedAt,
      durationMs: a.durationMs,
      outcome: a.outcome,
      errorCode: a.errorCode ?? null,
      httpStatus: a.httpStatus ?? null,
      response: a.response ?? null,
    });
  }

  /**
   * At start: deliveries left in flight by a crash go back to pending. Re-sending is safe
   * because entries are PUT with deterministic ids (DESIGN §4.6).
   */
  resetInFlight(now: number): number {
    return this.stmt.resetInFlight.run(now).changes;
  }

  /** Operator action: make a message's waiting or rejected deliveries due now. */
  retryNow(messageId: number, now: number): number {
    return this.stmt.retryNow.run(now, now, messageId).changes;
  }

  /** Runs `fn` in one transaction (nested store calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- alerts ---------------------------------------------------------------------------------

  /** Opens an incident unless the same one is already open; true when newly opened. */
  openAlert(kind: string, target: string, message: string, messageVi: string, now: number): boolean {
    const r = this.db
      .prepare('INSERT INTO alerts (kind, target, message, message_vi, opened_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(kind, target, message, messageVi, now);
    return r.changes === 1;
  }

  /** Closes the open incident of that kind and target; true when one was open. */
  closeAlert(kind: string, target: string, now: number): boolean {
    return this.db.prepare('UPDATE alerts SET closed_at = ? WHERE kind = ? AND target = ? AND closed_at IS NULL').run(now, kind, target).changes === 1;
  }

  openAlerts(): AlertRow[] {
    return (this.db.prepare('SELECT * FROM alerts WHERE closed_at IS NULL ORDER BY opened_at').all() as Row[]).map(toAlertRow);
  }

  recentAlerts(limit: number): AlertRow[] {
    return (this.db.prepare('SELECT * FROM alerts ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toAlertRow);
  }

  /** Newest received_at over all sources, or null when nothing was ever received. */
  lastReceivedAt(): number | null {
    return (this.db.prepare('SELECT max(received_at) AS t FROM messages').get() as { t: number | null }).t ?? null;
  }

  // ---- retention (DESIGN §4.8) ------------------------------------------------------------------

  /**
   * Drops the payloads (raw input and bundle) of records delivered everywhere before `cutoff`;
   * their metadata stays for reports. Oldest first, at most `limit` records per call.
   */
  pruneDeliveredPayloads(cutoff: number, limit: number): number {
    return this.db
      .prepare(
        `UPDATE messages SET raw = NULL, bundle = NULL WHERE id IN (
           SELECT m.id FROM messages m
           WHERE m.state = '${MessageState.converted}' AND (m.raw IS NOT NULL OR m.bundle IS NOT NULL)
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND (d.state <> '${DeliveryState.delivered}' OR d.delivered_at >= @cutoff))
             AND EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id)
           ORDER BY m.id LIMIT @limit)`,
      )
      .run({ cutoff, limit }).changes;
  }

  /** Bytes held by payloads still stored (raw input + bundle JSON). */
  payloadBytes(): number {
    return (this.db.prepare('SELECT coalesce(sum(coalesce(length(raw), 0) + coalesce(length(bundle), 0)), 0) AS n FROM messages').get() as { n: number }).n;
  }

  /** Gives freed pages back to the file system and trims the WAL. */
  reclaimSpace(): void {
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  // ---- key rotation ---------------------------------------------------------------------------

  /**
   * Re-seals, with the current key, the payloads of up to `limit` records after `afterId` that
   * are plaintext or sealed with an older key. Returns where to continue (null when done).
   */
  resealPayloads(afterId: number, limit: number): { nextAfterId: number | null; changed: number } {
    const c = this.cipher;
    const rows = this.db
      .prepare('SELECT m.id, m.raw, m.bundle, m.issues, s.patient_name, s.ma_bn_sealed FROM messages m LEFT JOIN record_search s ON s.message_id = m.id WHERE m.id > ? ORDER BY m.id LIMIT ?')
      .all(afterId, limit) as Row[];
    const stale = (v: unknown) => v != null && (typeof v === 'string' || PayloadCipher.keyIdOf(v as Buffer) !== (c.encrypting ? c.currentKeyId : null));
    const reseal = (v: unknown) => (v == null ? null : c.seal(typeof v === 'string' ? Buffer.from(v, 'utf8') : c.open(v as Buffer)));
    let changed = 0;
    this.db.transaction(() => {
      for (const r of rows) {
        if (![r.raw, r.bundle, r.issues, r.patient_name, r.ma_bn_sealed].some(stale)) continue;
        this.db.prepare('UPDATE messages SET raw = ?, bundle = ?, issues = ? WHERE id = ?').run(reseal(r.raw), reseal(r.bundle), reseal(r.issues), r.id);
        this.db.prepare('UPDATE record_search SET patient_name = ?, ma_bn_sealed = ? WHERE message_id = ?').run(reseal(r.patient_name), reseal(r.ma_bn_sealed), r.id);
        changed++;
      }
    })();
    return { nextAfterId: rows.length === limit ? Number(rows[rows.length - 1]!.id) : null, changed };
  }

  /** Ids of the data keys that sealed any stored payload. */
  keysInUse(): Set<number> {
    const ids = new Set<number>();
    const sql = `SELECT DISTINCT k FROM (
      SELECT substr(raw, 1, 5) AS k FROM messages WHERE raw IS NOT NULL
      UNION SELECT substr(bundle, 1, 5) FROM messages WHERE bundle IS NOT NULL
      UNION SELECT substr(issues, 1, 5) FROM messages WHERE issues IS NOT NULL
      UNION SELECT substr(patient_name, 1, 5) FROM record_search WHERE patient_name IS NOT NULL
      UNION SELECT substr(ma_bn_sealed, 1, 5) FROM record_search WHERE ma_bn_sealed IS NOT NULL)`;
    for (const r of this.db.prepare(sql).all() as { k: Buffer | string }[]) {
      if (!Buffer.isBuffer(r.k)) continue;
      const id = PayloadCipher.keyIdOf(Buffer.concat([r.k, Buffer.alloc(40)]));
      if (id !== null) ids.add(id);
    }
    return ids;
  }

  // ---- status and records -----------------------------------------------------------------

  messageCounts(): { received: number; converted: number; invalid: number } {
    const rows = this.stmt.countsByState.all() as { state: string; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    const total = rows.reduce((s, r) => s + r.n, 0);
    return { received: total, converted: by[MessageState.converted] ?? 0, invalid: by[MessageState.invalid] ?? 0 };
  }

  sourceCounts(): SourceCounts[] {
    return (this.stmt.sourceCounts.all() as Row[]).map((r) => {
      const last = (this.stmt.sourceLast.get(r.source_id) as { last: number | null }).last;
      return { sourceId: String(r.source_id), received: Number(r.n), lastReceivedAt: last ?? null };
    });
  }

  destinationCounts(): DestinationCounts[] {
    const map = new Map<string, DestinationCounts>();
    for (const r of this.stmt.destinationCounts.all() as Row[]) {
      const id = String(r.destination_id);
      const c = map.get(id) ?? { destinationId: id, pending: 0, delivered: 0, rejected: 0, lastSuccessAt: null };
      const n = Number(r.n);
      const state = String(r.state) as DeliveryState;
      if (state === DeliveryState.delivered) {
        c.delivered += n;
        c.lastSuccessAt = (this.stmt.lastDelivered.get(id) as { last: number | null }).last ?? null;
      } else if (state === DeliveryState.rejected) c.rejected += n;
      else if (OPEN_DELIVERY_STATES.includes(state)) c.pending += n;
      map.set(id, c);
    }
    return [...map.values()];
  }

  message(id: number): MessageRow | undefined {
    const r = this.stmt.message.get(id) as Row | undefined;
    return r ? toMessageRow(r) : undefined;
  }

  /** Newest first; `beforeId` pages backwards (keyset paging stays fast on large tables). */
  listMessages(limit: number, beforeId = Number.MAX_SAFE_INTEGER): MessageRow[] {
    return (this.stmt.listMessages.all(beforeId, limit) as Row[]).map(toMessageRow);
  }

  messageDetail(id: number): { raw: Buffer | null; bundle: string | null; issues: string | null } | undefined {
    const r = this.stmt.messageDetail.get(id) as Row | undefined;
    if (!r) return undefined;
    const c = this.cipher;
    return {
      raw: r.raw == null ? null : c.open(r.raw as Buffer),
      bundle: r.bundle == null ? null : c.openText(r.bundle as Buffer | string),
      issues: r.issues == null ? null : c.openText(r.issues as Buffer | string),
    };
  }

  deliveriesOf(messageId: number): DeliveryRow[] {
    return (this.stmt.deliveriesOf.all(messageId) as Row[]).map((r) => ({
      messageId: Number(r.message_id),
      destinationId: String(r.destination_id),
      state: String(r.state),
      attempts: Number(r.attempts),
      nextAttemptAt: Number(r.next_attempt_at),
      lastErrorCode: (r.last_error_code as string | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      lastResponse: (r.last_response as string | null) ?? null,
      deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
    }));
  }

  attemptsOf(messageId: number): AttemptRecord[] {
    return (this.stmt.attemptsOf.all(messageId) as Row[]).map((r) => ({
      messageId: Number(r.message_id),
      destinationId: String(r.destination_id),
      startedAt: Number(r.started_at),
      durationMs: Number(r.duration_ms),
      outcome: String(r.outcome),
      errorCode: (r.error_code as string | null) ?? undefined,
      httpStatus: r.http_status == null ? undefined : Number(r.http_status),
      response: (r.response as string | null) ?? undefined,
    }));
  }
}

function warningCountOf(issuesJson: string): number {
  try {
    const w = (JSON.parse(issuesJson) as { warnings?: unknown[] }).warnings;
    return Array.isArray(w) ? w.length : 0;
  } catch {
    return 0;
  }
}

export interface AlertRow {
  id: number;
  kind: string;
  target: string;
  message: string;
  messageVi: string;
  openedAt: number;
  closedAt: number | null;
}

function toAlertRow(r: Row): AlertRow {
  return {
    id: Number(r.id),
    kind: String(r.kind),
    target: String(r.target),
    message: String(r.message),
    messageVi: String(r.message_vi),
    openedAt: Number(r.opened_at),
    closedAt: r.closed_at == null ? null : Number(r.closed_at),
  };
}

export function toMessageRow(r: Row): MessageRow {
  return {
    id: Number(r.id),
    sourceId: String(r.source_id),
    format: String(r.format),
    naturalKey: (r.natural_key as string | null) ?? null,
    version: Number(r.version),
    state: String(r.state),
    errorCode: (r.error_code as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
    receivedAt: Number(r.received_at),
    convertedAt: r.converted_at == null ? null : Number(r.converted_at),
    resourceCount: r.resource_count == null ? null : Number(r.resource_count),
    rawSize: Number(r.raw_size),
  };
}

/** Applies, in order, each migration newer than the database; each in its own transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const current = (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}

// The conversion queue: received records wait here; converting one stores its bundle, indexes
// it for search and queues its deliveries in one transaction (DESIGN §4.4).
import { withDerivedCommits, type Db, type Row } from './database.js';
import { preparedStatements } from './prepared.js';
import { supersedeOnQueue } from './versions.js';
import type { PayloadCipher } from './payloadCipher.js';
import { nameWords, searchFieldsOf, type SearchFields } from './searchFields.js';
import { DeliveryState, MessageState } from './states.js';
import type { ConversionResult, MessageToConvert, StoredFindings } from './types.js';
import { writeFindings } from './findings.js';

const statements = preparedStatements((db: Db) => ({
  claimReceived: db.prepare(
    `SELECT id, source_id, format, CASE WHEN raw_size <= @maxRawBytes THEN raw END AS raw, raw_size, natural_key, version
       FROM messages WHERE state = '${MessageState.received}' AND id > @afterId ORDER BY id LIMIT @limit`,
  ),
  markConverted: db.prepare(
    `UPDATE messages SET state = '${MessageState.converted}', error_code = NULL, error_message = NULL, bundle = ?, issues = ?, resource_count = ?, warning_count = ?,
       missing_fields = ?, normalised_count = ?, converted_at = ? WHERE id = ?`,
  ),
  markInvalid: db.prepare(
    `UPDATE messages SET state = '${MessageState.invalid}', error_code = ?, error_message = ?, issues = ?, warning_count = ?, converted_at = ? WHERE id = ?`,
  ),
  indexFields: db.prepare('UPDATE record_search SET ma_bn = ?, cccd = ?, patient_name = ?, ma_bn_sealed = ?, encounter_end = ? WHERE message_id = ?'),
  dropWords: db.prepare('DELETE FROM record_name_words WHERE message_id = ?'),
  addWord: db.prepare('INSERT OR IGNORE INTO record_name_words (word, message_id) VALUES (?, ?)'),
  insertDelivery: db.prepare(
    `INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at, order_key) VALUES (?, ?, '${DeliveryState.pending}', ?, ?, ?, ?)
     ON CONFLICT (message_id, destination_id) DO UPDATE SET state = '${DeliveryState.pending}', next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at, order_key = excluded.order_key
     WHERE deliveries.state <> '${DeliveryState.inFlight}'`,
  ),
}));

export class ConversionStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PayloadCipher,
  ) {}

  /**
   * Messages waiting for conversion, oldest first, after `afterId`. Those over `maxRawBytes`
   * come without their bytes (never read into memory): the caller says why they are not converted.
   */
  messagesToConvert(limit: number, afterId = 0, maxRawBytes = Number.MAX_SAFE_INTEGER): MessageToConvert[] {
    return (statements(this.db).claimReceived.all({ afterId, limit, maxRawBytes }) as Row[]).map((r) => ({
      id: Number(r.id),
      sourceId: String(r.source_id),
      format: String(r.format),
      raw: r.raw == null ? null : this.cipher.open(r.raw as Buffer),
      rawSize: Number(r.raw_size),
      naturalKey: (r.natural_key as string | null) ?? null,
      version: Number(r.version),
    }));
  }

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
    findings?: StoredFindings | null,
  ): void {
    const fields = searchFieldsOf(JSON.parse(bundleJson) as Parameters<typeof searchFieldsOf>[0]);
    const row = this.sealConverted({ messageId, bundle: Buffer.from(bundleJson, 'utf8'), issuesJson, resourceCount, orderKey, quality, fields, findings });
    this.db.transaction(() => this.storeConverted(row, destinationIds, now))();
  }

  /**
   * The outcomes of a batch of conversions in one transaction: each converted
   * record as in markConverted, its search fields already read in the conversion thread; each
   * failed one as in markInvalid. Sealing happens before the transaction: the write lock (which
   * the MLLP intake thread waits for) is held for the SQL alone.
   */
  commitConversions(results: readonly ConversionResult[], destinationIds: readonly string[], now: number): void {
    const rows = results.map((r) =>
      r.ok
        ? this.sealConverted({
            messageId: r.messageId,
            bundle: r.bundle,
            issuesJson: r.issuesJson,
            resourceCount: r.resourceCount,
            orderKey: r.orderKey,
            quality: r.quality,
            fields: r.searchFields ?? searchFieldsOf(JSON.parse(r.bundle.toString('utf8')) as Parameters<typeof searchFieldsOf>[0]),
            findings: r.findings,
          })
        : r,
    );
    // Derived from durable raw records: no fsync of its own (see withDerivedCommits). Bundles
    // go in deflated, so what the next synced commit flushes stays small.
    withDerivedCommits(this.db, () =>
      this.db.transaction(() => {
        for (const r of rows) {
          if ('sealedBundle' in r) this.storeConverted(r, destinationIds, now);
          else this.markInvalid(r.messageId, r.code, r.message, r.issuesJson, now, r.findings);
        }
      })(),
    );
  }

  /** A converted record's row, sealed and indexed, ready to be written. */
  private sealConverted(r: {
    messageId: number;
    bundle: Buffer;
    issuesJson: string;
    resourceCount: number;
    orderKey: string | null;
    quality: { missing: readonly string[]; normalised: number } | undefined;
    fields: SearchFields;
    findings?: StoredFindings | null;
  }): SealedConversion {
    const c = this.cipher;
    const { fields } = r;
    return {
      messageId: r.messageId,
      sealedBundle: c.sealDeflated(r.bundle),
      sealedIssues: c.sealText(r.issuesJson),
      resourceCount: r.resourceCount,
      warningCount: warningCountOf(r.issuesJson),
      missing: r.quality ? r.quality.missing.join(',') : null,
      normalised: r.quality ? r.quality.normalised : null,
      orderKey: r.orderKey,
      maBnIndex: fields.maBn ? c.blindIndex(fields.maBn) : null,
      cccdIndex: fields.cccd ? c.blindIndex(fields.cccd) : null,
      sealedName: fields.patientName ? c.sealText(fields.patientName) : null,
      sealedMaBn: fields.maBn ? c.sealText(fields.maBn) : null,
      encounterEnd: fields.encounterEnd,
      nameWordIndexes: fields.patientName ? nameWords(fields.patientName).map((w) => c.blindIndex(`name:${w}`)) : [],
      findings: r.findings ?? null,
    };
  }

  private storeConverted(r: SealedConversion, destinationIds: readonly string[], now: number): void {
    const s = statements(this.db);
    s.markConverted.run(r.sealedBundle, r.sealedIssues, r.resourceCount, r.warningCount, r.missing, r.normalised, now, r.messageId);
    for (const d of destinationIds) s.insertDelivery.run(r.messageId, d, now, now, now, r.orderKey);
    supersedeOnQueue(this.db, r.messageId, now);
    s.indexFields.run(r.maBnIndex, r.cccdIndex, r.sealedName, r.sealedMaBn, r.encounterEnd, r.messageId);
    s.dropWords.run(r.messageId);
    for (const w of r.nameWordIndexes) s.addWord.run(w, r.messageId);
    writeFindings(this.db, r.messageId, r.findings);
  }

  /** `findings`: the claim checks of a record that could be read but not converted (they tell what to fix). */
  markInvalid(messageId: number, code: string, message: string, issuesJson: string | null, now: number, findings?: StoredFindings | null): void {
    this.db.transaction(() => {
      statements(this.db).markInvalid.run(code, message, issuesJson === null ? null : this.cipher.sealText(issuesJson), issuesJson === null ? null : warningCountOf(issuesJson), now, messageId);
      writeFindings(this.db, messageId, findings ?? null);
    })();
  }
}

/** What storeConverted writes: everything sealed or hashed already. */
interface SealedConversion {
  messageId: number;
  sealedBundle: Buffer;
  sealedIssues: Buffer;
  resourceCount: number;
  warningCount: number;
  missing: string | null;
  normalised: number | null;
  orderKey: string | null;
  maBnIndex: string | null;
  cccdIndex: string | null;
  sealedName: Buffer | null;
  sealedMaBn: Buffer | null;
  encounterEnd: SearchFields['encounterEnd'];
  nameWordIndexes: string[];
  findings: StoredFindings | null;
}

function warningCountOf(issuesJson: string): number {
  try {
    const w = (JSON.parse(issuesJson) as { warnings?: unknown[] }).warnings;
    return Array.isArray(w) ? w.length : 0;
  } catch {
    return 0;
  }
}

// Intake of one claim-XML file (DESIGN §4.1–4.3): stream the envelope, commit its HOSO in
// batches together with the file's resume point, so a crash mid-file neither loses nor
// duplicates a record. The caller moves the file only after this returns.
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { IntakeSink } from '../../../main/store/ports.js';
import type { NewRecord } from '../../../main/store/types.js';
import { FileState } from '../../../main/store/states.js';
import { EnvelopeError, splitEnvelope, type EnvelopeHeader } from '../../formats/xml130/envelope/envelope.js';
import { claimRecordKey } from '../../formats/xml130/envelope/recordKey.js';
import { storedRecordBytes, storedSize } from './storedRecord.js';

export interface RecordProblem {
  /** 1-based HOSO number in the file. */
  record: number;
  line: number;
  code: string;
  message: string;
}

export interface FileIntakeResult {
  fileId: number;
  /** done: every record committed; failed: the envelope could not be read to its end. */
  outcome: 'done' | 'already_done' | 'failed';
  recordsInFile: number;
  newRecords: number;
  duplicates: number;
  /** Complete records of this file now in the store (all runs together). */
  recordsKept: number;
  /** Records stored as invalid at intake (their raw bytes are kept). */
  problems: RecordProblem[];
  error?: { code: string; message: string; line?: number; column?: number };
  header: EnvelopeHeader;
}

export interface FileIntakeOptions {
  store: IntakeSink;
  sourceId: string;
  path: string;
  /**
   * The file already opened (watched folders open it without following links, safeFs.ts):
   * read from this descriptor, never from `path` again. Left open for the caller.
   */
  handle?: FileHandle;
  /** Records per transaction: larger is faster, smaller loses less re-reading after a crash. */
  batchRecords?: number;
  /** A batch is committed once its records hold this many bytes, whatever their count. */
  batchBytes?: number;
  now?: () => number;
  onProgress?: (p: { bytesRead: number; bytesTotal: number; records: number }) => void;
  /** Called after each committed batch (wakes the converter). */
  onCommitted?: (newIds: number[]) => void;
  /** Largest HOSO accepted, in characters of base64 (see splitEnvelope). */
  maxRecordChars?: number;
}

/** A fresh read of the whole file, from its descriptor when one is given. */
function readFrom(path: string, handle: FileHandle | undefined, highWaterMark: number) {
  return handle ? handle.createReadStream({ start: 0, autoClose: false, highWaterMark }) : createReadStream(path, { highWaterMark });
}

async function hashFile(path: string, handle?: FileHandle): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of readFrom(path, handle, 1 << 20)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hash: h.digest('hex'), size };
}

const NO_RECORD = 'ENVELOPE_NO_RECORD';
const NO_RECORD_MESSAGE = 'the file holds no HOSO record (a claim-XML envelope carries its records in <HOSO> elements)';

export async function intakeClaimFile(opts: FileIntakeOptions): Promise<FileIntakeResult> {
  const { store, sourceId, path } = opts;
  const now = opts.now ?? Date.now;
  const batchRecords = opts.batchRecords ?? 200;
  // Bounds the memory a batch holds (DESIGN §4.2): a very large record is committed on its own.
  const batchBytes = opts.batchBytes ?? 16 * 1024 * 1024;
  const { hash, size } = await hashFile(path, opts.handle);
  const progress = store.beginFile(sourceId, path, hash, size, now());
  const result: FileIntakeResult = {
    fileId: progress.fileId,
    outcome: 'done',
    recordsInFile: 0,
    newRecords: 0,
    duplicates: 0,
    recordsKept: progress.recordsCommitted,
    problems: [],
    header: {},
  };
  if (progress.state === FileState.done) return { ...result, outcome: 'already_done' };

  let batch: NewRecord[] = [];
  let batchSize = 0;
  let seen = 0;
  let bytesRead = 0;
  const flush = () => {
    if (batch.length === 0 && seen <= progress.recordsCommitted) return;
    result.recordsKept = Math.max(seen, progress.recordsCommitted);
    const inserted = store.commitFileRecords(progress.fileId, batch, result.recordsKept, now());
    const newIds = inserted.filter((r) => !r.duplicate).map((r) => r.id);
    result.newRecords += newIds.length;
    result.duplicates += inserted.length - newIds.length;
    batch = [];
    batchSize = 0;
    if (newIds.length) opts.onCommitted?.(newIds);
  };

  const stream = readFrom(path, opts.handle, 256 * 1024);
  stream.on('data', (c) => {
    bytesRead += c.length;
  });
  try {
    for await (const ev of splitEnvelope(stream, { maxRecordChars: opts.maxRecordChars })) {
      if (ev.kind === 'header') {
        result.header = ev.header;
        continue;
      }
      const hoso = ev.hoso;
      seen = hoso.index + 1;
      result.recordsInFile = seen;
      const key = claimRecordKey(hoso.files, result.header.maCskcb);
      if (!key.ok) result.problems.push({ record: seen, line: hoso.line, code: key.code, message: key.message });
      if (hoso.index < progress.recordsCommitted) continue; // committed before a restart
      const raw = storedRecordBytes(hoso, result.header);
      batchSize += storedSize(raw);
      batch.push({
        sourceId,
        format: 'xml130',
        raw,
        naturalKey: key.ok ? key.naturalKey : null,
        recordIndex: hoso.index,
        invalid: key.ok ? undefined : { code: key.code, message: key.message },
      });
      if (batch.length >= batchRecords || batchSize >= batchBytes) {
        flush();
        opts.onProgress?.({ bytesRead, bytesTotal: size, records: seen });
      }
    }
    flush();
    if (seen === 0) {
      // An envelope without a single HOSO carries nothing to send: that is an error to show,
      // not a file "done" (whatever else it holds, e.g. a huge text outside any record).
      return { ...result, outcome: 'failed', error: { code: NO_RECORD, message: NO_RECORD_MESSAGE } };
    }
  } catch (err) {
    stream.destroy();
    // Complete HOSO read before the damage are kept: each is a whole record on its own.
    flush();
    if (!(err instanceof EnvelopeError)) throw err;
    result.outcome = 'failed';
    result.error = { code: err.code, message: err.message, line: err.line, column: err.column };
    return result;
  }
  opts.onProgress?.({ bytesRead: size, bytesTotal: size, records: seen });
  store.finishFile(progress.fileId, FileState.done, now());
  return result;
}

// Intake of one HL7v2 file from a watched folder: each message goes through the same intake
// as MLLP (dedupe on MSH-10, stored before anything else happens), so a file re-read after a
// crash adds nothing twice.
import { createHash } from 'node:crypto';
import { readFile, stat, type FileHandle } from 'node:fs/promises';
import type { IntakeSink } from '../../../main/store/ports.js';
import { FileState } from '../../../main/store/states.js';
import { IntakeOutcome, type Hl7Intake } from '../mllp/intake.js';
import { splitHl7File } from '../mllp/fileMessages.js';
import type { FileIntakeResult } from './claimFileIntake.js';

/** HL7v2 files are small; a bigger one is almost certainly something else dropped by mistake. */
export const MAX_HL7_FILE_BYTES = 64 * 1024 * 1024;

export async function intakeHl7File(opts: { store: IntakeSink; sourceId: string; path: string; intake: Hl7Intake; now?: () => number; handle?: FileHandle }): Promise<FileIntakeResult> {
  const { store, path } = opts;
  const now = opts.now ?? Date.now;
  const size = opts.handle ? (await opts.handle.stat()).size : (await stat(path)).size;
  const base = { newRecords: 0, duplicates: 0, recordsKept: 0, recordsInFile: 0, problems: [] as FileIntakeResult['problems'], header: {} };
  if (size > MAX_HL7_FILE_BYTES) {
    return { ...base, fileId: 0, outcome: 'failed', error: { code: 'HL7_FILE_TOO_LARGE', message: `the file is ${size} bytes; HL7v2 files above ${MAX_HL7_FILE_BYTES} bytes are refused` } };
  }
  const bytes = opts.handle ? await readAll(opts.handle, size) : await readFile(path);
  const progress = store.beginFile(opts.sourceId, path, createHash('sha256').update(bytes).digest('hex'), bytes.length, now());
  const result: FileIntakeResult = { ...base, fileId: progress.fileId, outcome: 'done' };
  if (progress.state === FileState.done) return { ...result, outcome: 'already_done' };
  const messages = splitHl7File(bytes);
  if (messages.length === 0) {
    return { ...result, outcome: 'failed', error: { code: bytes.length ? 'HL7_NO_MESSAGE' : 'HL7_EMPTY', message: bytes.length ? 'the file holds no HL7v2 message (no MSH segment)' : 'the file is empty' } };
  }
  for (const [i, message] of messages.entries()) {
    const r = await opts.intake.receive(message);
    result.recordsInFile = i + 1;
    switch (r.outcome) {
      case IntakeOutcome.stored:
        result.newRecords++;
        break;
      case IntakeOutcome.duplicate:
        result.duplicates++;
        break;
      case IntakeOutcome.storedInvalid: {
        result.newRecords++;
        const m = r.messageId ? store.message(r.messageId) : undefined;
        result.problems.push({ record: i + 1, line: 0, code: m?.errorCode ?? 'HL7V2_UNPARSABLE', message: m?.errorMessage ?? 'the message cannot be parsed' });
        break;
      }
      case IntakeOutcome.refused:
        result.problems.push({ record: i + 1, line: 0, code: 'HL7V2_REFUSED', message: `refused by this source's settings (MSH-10 ${r.controlId || 'absent'}); not stored` });
        break;
      default:
        // Not stored (storage failed): leave the file in the inbox to be read again.
        throw new Error(`message ${i + 1} of the file could not be stored`);
    }
  }
  result.recordsKept = result.newRecords + result.duplicates;
  store.commitFileRecords(progress.fileId, [], messages.length, now());
  store.finishFile(progress.fileId, FileState.done, now());
  return result;
}

/** The whole file from its open descriptor (position 0, whatever was read before). */
async function readAll(handle: FileHandle, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let pos = 0; pos <= size; ) {
    const buf = Buffer.alloc(Math.max(1, Math.min(1 << 20, size - pos + 1)));
    const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    chunks.push(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return Buffer.concat(chunks);
}

// HL7v2 files dropped in a watched folder: one file may hold one message, several messages
// one after another, an FHS/BHS batch, or MLLP-framed bytes saved from a socket. Each message
// found goes to Hl7Intake, the same path as MLLP, so dedupe, storage and ACK text match.
import type { Hl7Intake, IntakeResult } from './intake.js';

const BATCH_SEGMENT = /^(FHS|BHS|BTS|FTS)/;

/**
 * Splits a file's bytes into each message's bytes, segment ends kept as found. Works on a
 * latin1 view of the bytes, which maps every byte to one character and back unchanged, so
 * messages in any ASCII-compatible charset come out byte for byte.
 */
export function splitHl7File(content: Buffer): Buffer[] {
  const text = content
    .toString('latin1')
    .replace(/^\u00ef\u00bb\u00bf/, '') // UTF-8 byte order mark
    .replace(/[\x0b\x1c]/g, ''); // MLLP start and end blocks
  const messages: string[] = [];
  let current = '';
  for (const line of text.match(/[^\r\n]*(\r\n|\r|\n|$)/g) ?? []) {
    if (line === '' || /^[\r\n]+$/.test(line)) continue;
    if (BATCH_SEGMENT.test(line)) continue;
    if (line.startsWith('MSH') && current) {
      messages.push(current);
      current = '';
    }
    if (line.startsWith('MSH') || current) current += line;
  }
  if (current) messages.push(current);
  return messages.map((m) => Buffer.from(m.replace(/[\r\n]+$/, ''), 'latin1'));
}

/** Stores every message of a file through the intake; the file may be moved once this resolves. */
export async function ingestHl7File(intake: Hl7Intake, content: Buffer): Promise<IntakeResult[]> {
  const results: IntakeResult[] = [];
  for (const message of splitHl7File(content)) results.push(await intake.receive(message));
  return results;
}

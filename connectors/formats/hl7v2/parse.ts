// Structural parsing of one HL7v2 message, shared by the MLLP listener (to decide AA/AE)
// and the converter. @medplum/core does the splitting; this module decides what counts as
// "cannot be parsed" and reads the header fields every caller needs.
import { Hl7Message } from '@medplum/core';

/** Segment ends arrive as CR (the standard), LF (files) or CRLF; the parser wants CR. */
export function normaliseSegmentEnds(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n|\n|\r/g, '\r')
    .replace(/\r+$/, '');
}

/**
 * MSH fields by HL7 number (index 1 = MSH-1 = the field separator), read leniently from the
 * first segment. Works on messages the full parser refuses, so that even a refusal can
 * echo MSH-10 in MSA-2.
 */
export function readHeaderFields(text: string): string[] {
  const start = text.indexOf('MSH');
  if (start === -1 || text.length < start + 4) return [];
  const fieldSep = text[start + 3]!;
  const end = text.slice(start).search(/[\r\n]/);
  const segment = end === -1 ? text.slice(start) : text.slice(start, start + end);
  const parts = segment.split(fieldSep);
  // parts[0] = "MSH"; MSH-1 is the separator itself; MSH-n for n >= 2 is parts[n - 1].
  return ['MSH', fieldSep, ...parts.slice(1)];
}

export interface Hl7Header {
  /** MSH-10 */
  controlId: string;
  /** MSH-9.1, e.g. `ADT` */
  messageCode: string;
  /** MSH-9.2, e.g. `A01` */
  triggerEvent: string;
  /** MSH-9.3, e.g. `ADT_A01` (often absent before v2.4) */
  structure: string;
  /** MSH-11.1: P production, T training, D debugging */
  processingId: string;
  /** MSH-12.1 */
  version: string;
  /** MSH-15 accept acknowledgment type (AL, NE, ER, SU), empty in original mode */
  acceptAckType: string;
  /** MSH-16 application acknowledgment type */
  appAckType: string;
}

export type ParseOutcome =
  | { ok: true; message: Hl7Message; header: Hl7Header }
  | { ok: false; code: string; message: string; field?: string; controlId: string };

export const ParseErrorCode = {
  noHeader: 'HL7V2_NO_MSH',
  badEncodingCharacters: 'HL7V2_BAD_ENCODING_CHARACTERS',
  missingMessageType: 'HL7V2_NO_MESSAGE_TYPE',
  missingControlId: 'HL7V2_NO_CONTROL_ID',
  unparsable: 'HL7V2_UNPARSABLE',
} as const;

/** Parses decoded message text; refuses what the converter and the ACK logic cannot trust. */
export function parseHl7Text(rawText: string): ParseOutcome {
  const text = normaliseSegmentEnds(rawText);
  const fields = readHeaderFields(text);
  const controlId = (fields[10] ?? '').split(fields[2]?.[0] ?? '^')[0]!.trim();
  if (!text.startsWith('MSH') || fields.length < 3) {
    return { ok: false, code: ParseErrorCode.noHeader, message: 'the message does not start with an MSH segment', field: 'MSH', controlId };
  }
  const fieldSep = fields[1]!;
  const encoding = fields[2]!;
  if (!validEncodingCharacters(fieldSep, encoding)) {
    return {
      ok: false,
      code: ParseErrorCode.badEncodingCharacters,
      message: `MSH-2 "${encoding}" is not four distinct separator characters (component, repetition, escape, subcomponent)`,
      field: 'MSH-2',
      controlId,
    };
  }
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(text);
  } catch (err) {
    return { ok: false, code: ParseErrorCode.unparsable, message: (err as Error).message, controlId };
  }
  // Separators that are letters (MSH-2 "^MSH") make the parser cut MSH itself apart.
  if (message.segments[0]?.name !== 'MSH') {
    return { ok: false, code: ParseErrorCode.badEncodingCharacters, message: `MSH-2 "${encoding}" makes the MSH segment unreadable`, field: 'MSH-2', controlId };
  }
  const msh = message.header;
  const header: Hl7Header = {
    controlId: msh.getComponent(10, 1).trim(),
    messageCode: msh.getComponent(9, 1).trim(),
    triggerEvent: msh.getComponent(9, 2).trim(),
    structure: msh.getComponent(9, 3).trim(),
    processingId: msh.getComponent(11, 1).trim(),
    version: msh.getComponent(12, 1).trim(),
    acceptAckType: msh.getComponent(15, 1).trim().toUpperCase(),
    appAckType: msh.getComponent(16, 1).trim().toUpperCase(),
  };
  if (!header.messageCode) {
    return { ok: false, code: ParseErrorCode.missingMessageType, message: 'MSH-9 (message type) is empty', field: 'MSH-9', controlId };
  }
  if (!header.controlId) {
    return { ok: false, code: ParseErrorCode.missingControlId, message: 'MSH-10 (message control id) is empty', field: 'MSH-10', controlId };
  }
  return { ok: true, message, header };
}

function validEncodingCharacters(fieldSep: string, encoding: string): boolean {
  // v2.7+ may add a fifth character (truncation, usually '#').
  if (encoding.length !== 4 && encoding.length !== 5) return false;
  const chars = [fieldSep, ...encoding.slice(0, 4)];
  return new Set(chars).size === chars.length && chars.every((c) => c !== '\r' && c !== '\n' && c.trim() !== '');
}

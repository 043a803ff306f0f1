// HL7v2 acknowledgments. Built here rather than with Hl7Message.buildAck because an ACK
// must also answer messages that did not parse (MSA-2 still echoes MSH-10, read leniently),
// must carry an ERR segment, and must echo the sender's processing id and version.

/** MSA-1 codes: original mode (AA/AE/AR) and enhanced-mode accept ACKs (CA/CE/CR). */
export const AckCode = {
  AA: 'AA',
  AE: 'AE',
  AR: 'AR',
  CA: 'CA',
  CE: 'CE',
  CR: 'CR',
} as const;
export type AckCode = (typeof AckCode)[keyof typeof AckCode];

/** HL7 table 0357 (message error condition codes) used by this listener. */
export const Hl7ErrorCode = {
  segmentSequence: '100',
  requiredFieldMissing: '101',
  unsupportedProcessingId: '202',
  internalError: '207',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

const ERROR_NAMES: Record<Hl7ErrorCode, string> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '202': 'Unsupported processing id',
  '207': 'Application internal error',
};

export interface AckRequest {
  /** MSH fields of the message being answered, by HL7 number (see readHeaderFields). */
  header: readonly string[];
  code: AckCode;
  /** MSH-10 of the ACK itself. */
  ackControlId: string;
  now: Date;
  /** MSA-3, short text for the operator on the sending side. */
  text?: string;
  error?: { code: Hl7ErrorCode; message: string; location?: string };
}

const STANDARD_ENCODING = '^~\\&';

/** The ACK message text, segments separated by CR. */
export function buildAck(req: AckRequest): string {
  const h = req.header;
  // Reuse the sender's separators only when they are sane; the copied fields are then
  // already encoded correctly. Otherwise fall back to the standard ones.
  const sane = h[1]?.length === 1 && (h[2]?.length === 4 || h[2]?.length === 5) && new Set([h[1], ...(h[2] ?? '').slice(0, 4)]).size === 5;
  const fs = sane ? h[1]! : '|';
  const enc = sane ? h[2]!.slice(0, 4) : STANDARD_ENCODING;
  const comp = enc[0]!;
  const field = (n: number): string => h[n] ?? '';
  const firstComponent = (n: number): string => field(n).split(comp)[0] ?? '';
  const trigger = field(9).split(comp)[1] ?? '';
  const esc = (s: string): string => escapeText(s, fs, enc);
  const msh = [
    'MSH',
    enc,
    field(5), // sending application of the ACK = receiving application of the message
    field(6),
    field(3),
    field(4),
    formatHl7Timestamp(req.now),
    '',
    trigger ? ['ACK', trigger, 'ACK'].join(comp) : 'ACK',
    esc(req.ackControlId),
    firstComponent(11) || 'P',
    firstComponent(12) || '2.5',
  ].join(fs);
  const msa = ['MSA', req.code, esc(firstComponent(10)), req.text ? esc(req.text) : ''].join(fs).replace(new RegExp(`\\${fs}+$`), '');
  const segments = [msh, msa];
  if (req.error) {
    const e = req.error;
    // ERR (v2.5+): ERR-2 location, ERR-3 error code (CWE, table 0357), ERR-4 severity, ERR-8 user message.
    segments.push(['ERR', '', e.location ? esc(e.location) : '', [e.code, ERROR_NAMES[e.code], 'HL70357'].join(comp), 'E', '', '', '', esc(e.message)].join(fs));
  }
  return segments.join('\r');
}

/** yyyyMMddHHmmss+0700: ACK timestamps in Vietnam time (HL7V2.md §4). */
export function formatHl7Timestamp(d: Date): string {
  const local = new Date(d.getTime() + 7 * 3600_000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(local.getUTCFullYear(), 4)}${p(local.getUTCMonth() + 1)}${p(local.getUTCDate())}` +
    `${p(local.getUTCHours())}${p(local.getUTCMinutes())}${p(local.getUTCSeconds())}+0700`
  );
}

/** HL7 escape sequences so that free text cannot break the ACK's structure. */
function escapeText(s: string, fs: string, enc: string): string {
  const [comp, rep, escChar, sub] = [enc[0]!, enc[1]!, enc[2]!, enc[3]!];
  let out = '';
  for (const ch of s.replace(/[\r\n]+/g, ' ')) {
    if (ch === escChar) out += `${escChar}E${escChar}`;
    else if (ch === fs) out += `${escChar}F${escChar}`;
    else if (ch === comp) out += `${escChar}S${escChar}`;
    else if (ch === rep) out += `${escChar}R${escChar}`;
    else if (ch === sub) out += `${escChar}T${escChar}`;
    else out += ch;
  }
  return out;
}

/** MSA-1 and MSA-2 of an ACK, for tests and for senders that check correlation. */
export function readAck(text: string): { code: string; controlId: string; text: string; hasErr: boolean } {
  const segs = text.split(/\r\n|\r|\n/);
  const msh = segs.find((s) => s.startsWith('MSH')) ?? '';
  const fs = msh[3] ?? '|';
  const msa = (segs.find((s) => s.startsWith('MSA')) ?? '').split(fs);
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: msa[3] ?? '', hasErr: segs.some((s) => s.startsWith('ERR')) };
}

// Character set of an HL7v2 message (DESIGN §5): MSH-18 names it, but senders often get it
// wrong, so a per-source override wins (HL7V2.md §4: never trust MSH-18 blindly).
import iconv from 'iconv-lite';

/** HL7 table 0211 values → iconv-lite encoding names. */
const MSH18_ENCODINGS: Readonly<Record<string, string>> = {
  ASCII: 'ascii',
  '8859/1': 'iso-8859-1',
  '8859/2': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'UNICODE UTF-8': 'utf8',
  'UNICODE UTF-16': 'utf16',
  'UNICODE UTF-32': 'utf32',
  // Table 0211 "UNICODE" predates the UTF names; in practice senders mean UTF-8.
  UNICODE: 'utf8',
};

export const DEFAULT_ENCODING = 'utf8';

/** Maps an MSH-18 value (or an iconv-lite name such as `windows-1258`) to an encoding, or undefined. */
export function encodingFor(charset: string): string | undefined {
  const key = charset.trim().toUpperCase();
  if (!key) return undefined;
  const known = MSH18_ENCODINGS[key];
  if (known) return known;
  return iconv.encodingExists(charset.trim()) ? charset.trim() : undefined;
}

/**
 * Reads MSH-18 (first repetition) from raw bytes without decoding the whole message: the
 * header is ASCII in every encoding this agent accepts, so latin1 is a safe lens for it.
 */
export function readMsh18(raw: Buffer): string | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 4096)).toString('latin1');
  const start = head.indexOf('MSH');
  if (start === -1 || head.length < start + 4) return undefined;
  const fieldSep = head[start + 3]!;
  const end = head.slice(start).search(/[\r\n]/);
  const segment = end === -1 ? head.slice(start) : head.slice(start, start + end);
  // MSH-1 is the separator itself, so MSH-n sits at split index n - 1.
  const value = segment.split(fieldSep)[17];
  if (!value) return undefined;
  // MSH-2 holds component, repetition, escape, subcomponent separators in that order.
  return value.split(segment[5] ?? '~')[0]?.trim() || undefined;
}

export interface DecodedText {
  text: string;
  encoding: string;
  /** Why the chosen encoding differs from what the message asked for, if it does. */
  warning?: string;
}

/** Decodes a message's bytes: the override first, then MSH-18, then UTF-8. */
export function decodeHl7(raw: Buffer, override?: string): DecodedText {
  if (override) {
    const enc = encodingFor(override);
    if (enc) return { text: stripBom(iconv.decode(raw, enc)), encoding: enc };
  }
  const declared = readMsh18(raw);
  if (declared) {
    const enc = encodingFor(declared);
    if (enc) return { text: stripBom(iconv.decode(raw, enc)), encoding: enc };
    return {
      text: stripBom(iconv.decode(raw, DEFAULT_ENCODING)),
      encoding: DEFAULT_ENCODING,
      warning: `MSH-18 "${declared}" is not a known character set; read as UTF-8`,
    };
  }
  return { text: stripBom(iconv.decode(raw, DEFAULT_ENCODING)), encoding: DEFAULT_ENCODING };
}

/**
 * Drops a byte order mark and composes characters (NFC): windows-1258, common in Vietnamese
 * HIS, writes tone marks as combining characters, and stores and searches expect them composed.
 */
function stripBom(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).normalize('NFC');
}

// Streaming reader of the claim-XML envelope (GIAMDINHHS → HOSO → FILEHOSO), see
// standards/XML130.md §2 and DESIGN §4.2: a file may hold thousands of HOSO (one per
// encounter, one MA_LK each); we never build the whole document in memory, only one HOSO.
import { SaxesParser } from 'saxes';
import { takeHeldText } from './heldText.js';

/** One table of a HOSO: LOAIHOSO (XML1…XML15) and its NOIDUNGFILE (base64 of an inner XML document). */
export interface FileHoso {
  loaiHoso: string;
  /** The base64 text exactly as it stood in the envelope (whitespace removed). */
  noiDungFile: string;
}

/**
 * A table's content at least this long is kept as the pieces it was read in, and joined into
 * one string only when someone reads `noiDungFile`: intake streams the pieces into the store
 * (contentPieces) without ever holding the table twice.
 */
export const PIECEWISE_CONTENT_CHARS = 1024 * 1024;
/** Content is taken from the parser once it holds this much (see takeContentSoFar). */
const HELD_CONTENT_CHARS = 64 * 1024;
const piecesOf = new WeakMap<FileHoso, readonly string[]>();

function fileFromPieces(loaiHoso: string, pieces: string[]): FileHoso {
  let chars = 0;
  for (const p of pieces) chars += p.length;
  if (chars < PIECEWISE_CONTENT_CHARS || pieces.length < 2) return { loaiHoso, noiDungFile: pieces.join('') };
  let joined: string | undefined;
  const file = { loaiHoso } as FileHoso;
  Object.defineProperty(file, 'noiDungFile', {
    enumerable: true,
    get: () => {
      if (joined === undefined) {
        joined = pieces.join('');
        piecesOf.set(file, [joined]); // the pieces are garbage from now on
      }
      return joined;
    },
  });
  piecesOf.set(file, pieces);
  return file;
}

/** A table's content as the pieces it was read in (whose concatenation is `noiDungFile`). */
export function contentPieces(file: FileHoso): readonly string[] {
  return piecesOf.get(file) ?? [file.noiDungFile];
}

/** One HOSO (one treatment episode) as read from the envelope. */
export interface HosoRecord {
  /** 0-based position of this HOSO in its file. */
  index: number;
  /** 1-based line of the `<HOSO>` start tag, for error messages. */
  line: number;
  files: FileHoso[];
}

export interface EnvelopeHeader {
  /** THONGTINDONVI/MACSKCB: sending facility. */
  maCskcb?: string;
  /** THONGTINHOSO/NGAYLAP: yyyyMMdd the file was made. */
  ngayLap?: string;
  /** THONGTINHOSO/SOLUONGHOSO as declared (may disagree with the real count). */
  soLuongHoso?: number;
}

export const EnvelopeErrorCode = {
  empty: 'ENVELOPE_EMPTY',
  notXml: 'ENVELOPE_NOT_XML',
  wrongRoot: 'ENVELOPE_WRONG_ROOT',
  truncated: 'ENVELOPE_TRUNCATED',
  malformed: 'ENVELOPE_MALFORMED',
  encoding: 'ENVELOPE_ENCODING',
  recordTooLarge: 'ENVELOPE_RECORD_TOO_LARGE',
  /** A DOCTYPE: claim XML never has one; its entities are the XML-bomb and XXE attacks. */
  doctype: 'ENVELOPE_DOCTYPE',
  tooDeep: 'ENVELOPE_TOO_DEEP',
} as const;
export type EnvelopeErrorCode = (typeof EnvelopeErrorCode)[keyof typeof EnvelopeErrorCode];

export class EnvelopeError extends Error {
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

export type EnvelopeEvent = { kind: 'header'; header: EnvelopeHeader } | { kind: 'hoso'; hoso: HosoRecord };

export interface SplitOptions {
  /** Largest HOSO accepted, in characters of base64 (default 256 MiB). */
  maxRecordChars?: number;
  /** Deepest element nesting accepted (default 64; a real envelope is 6 deep). */
  maxDepth?: number;
}

export const DEFAULT_MAX_RECORD_CHARS = 256 * 1024 * 1024;
/** Largest XML item outside a record's file content (header values, tags, comments, stray text). */
export const MAX_OTHER_ITEM_CHARS = 16 * 1024 * 1024;
/** Shared with the inner-document reader (innerXml.ts): real documents nest 4 levels at most. */
export const DEFAULT_MAX_XML_DEPTH = 64;

/** Why a DOCTYPE is refused, in the words the operator reads (also used for inner documents). */
export const DOCTYPE_REFUSED =
  'declares a DOCTYPE: claim XML never has one, and its entity definitions are how XML bombs and external-entity (XXE) attacks work; the file is refused unread';

/**
 * Reads a GIAMDINHHS envelope from a byte stream and yields its header, then each HOSO
 * as soon as its closing tag is read. Throws EnvelopeError (with line/column) for a file
 * that is empty, not XML, not UTF-8, of another root, truncated or malformed; HOSO yielded
 * before the error are complete and may be kept by the caller.
 */
export async function* splitEnvelope(
  bytes: AsyncIterable<Buffer | Uint8Array>,
  options: SplitOptions = {},
): AsyncGenerator<EnvelopeEvent> {
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
  const parser = new SaxesParser({ position: true });
  const ready: EnvelopeEvent[] = [];
  const path: string[] = [];
  const header: EnvelopeHeader = {};
  let headerSent = false;
  let failure: EnvelopeError | undefined;
  let sawRoot = false;
  let current: HosoRecord | undefined;
  let currentChars = 0;
  let fileLoai = '';
  let fileContent: string[] = [];
  let text = '';
  let hosoCount = 0;
  /**
   * Where the parser last reported anything (a character offset). saxes holds a text,
   * tag or comment whole until it ends, so this bounds what it buffers: without it a
   * NOIDUNGFILE of gigabytes would sit in memory before the per-record check could see it.
   */
  let reportedAt = 0;
  /**
   * Whether the last item the parser reported left it in character data (after a start or end
   * tag or a CDATA section; after a text node it is at a "<"): only then may the text it holds
   * be taken early (takeHeldText).
   */
  let inCharacterData = false;

  const fail = (code: EnvelopeErrorCode, message: string) => {
    failure ??= new EnvelopeError(code, message, parser.line, parser.column);
  };

  const flushHeader = () => {
    if (!headerSent) {
      headerSent = true;
      ready.push({ kind: 'header', header: { ...header } });
    }
  };

  parser.on('error', (err) => {
    fail(EnvelopeErrorCode.malformed, `XML is malformed: ${err.message}`);
  });
  parser.on('doctype', () => {
    reportedAt = parser.position;
    inCharacterData = false;
    fail(EnvelopeErrorCode.doctype, `the file ${DOCTYPE_REFUSED}`);
  });
  parser.on('opentag', (tag) => {
    reportedAt = parser.position;
    inCharacterData = true;
    if (failure) return;
    if (path.length >= maxDepth) {
      fail(EnvelopeErrorCode.tooDeep, `elements are nested more than ${maxDepth} deep (a claim-XML envelope is 6 deep): refused`);
      return;
    }
    if (!sawRoot) {
      sawRoot = true;
      if (tag.name !== 'GIAMDINHHS') {
        fail(EnvelopeErrorCode.wrongRoot, `root element is <${tag.name}>, expected <GIAMDINHHS> (the claim-XML envelope)`);
        return;
      }
    }
    path.push(tag.name);
    text = '';
    if (tag.name === 'HOSO') {
      flushHeader();
      current = { index: hosoCount++, line: parser.line, files: [] };
      currentChars = 0;
    } else if (tag.name === 'FILEHOSO' && current) {
      fileLoai = '';
      fileContent = [];
    }
  });
  const inContent = () => current !== undefined && path[path.length - 1] === 'NOIDUNGFILE';
  const addContent = (t: string) => {
    currentChars += t.length;
    if (currentChars > maxRecordChars) {
      fail(EnvelopeErrorCode.recordTooLarge, `HOSO #${current!.index + 1} is larger than ${maxRecordChars} characters`);
      return;
    }
    // Whitespace (line breaks of wrapped base64) is no part of the content; removing it piece
    // by piece gives what removing it from the whole would.
    const piece = /\s/.test(t) ? t.replace(/\s+/g, '') : t;
    if (piece) fileContent.push(piece);
  };
  const onText = (t: string) => {
    reportedAt = parser.position;
    if (failure) return;
    const name = path[path.length - 1];
    if (name === 'NOIDUNGFILE' && current) addContent(t);
    else if (name !== undefined) {
      // Short header / LOAIHOSO values only; bounded so a hostile file cannot grow it.
      if (text.length < 4096) text += t;
    }
  };
  parser.on('text', (t) => {
    inCharacterData = false;
    onText(t);
  });
  parser.on('cdata', (t) => {
    inCharacterData = true;
    onText(t);
  });
  /**
   * After a chunk: the part of a NOIDUNGFILE text node read so far leaves the parser now, if
   * nothing but character data came since the parser's last report (no "<" in between).
   */
  const takeContentSoFar = (chunk: string, chunkStart: number) => {
    if (failure || !inCharacterData || !inContent()) return;
    if (chunk.indexOf('<', Math.max(0, reportedAt - chunkStart)) >= 0) {
      // Some markup (a comment, say) began and is not reported: the parser holds its text in
      // the same place until the next report.
      inCharacterData = false;
      return;
    }
    const held = takeHeldText(parser, HELD_CONTENT_CHARS);
    if (held) {
      addContent(held);
      reportedAt = chunkStart + chunk.length; // the parser now holds nothing
    }
  };
  parser.on('closetag', (tag) => {
    reportedAt = parser.position;
    inCharacterData = true;
    if (failure) return;
    const name = tag.name;
    const parent = path[path.length - 2];
    if (name === 'MACSKCB' && parent === 'THONGTINDONVI') header.maCskcb = text.trim();
    else if (name === 'NGAYLAP' && parent === 'THONGTINHOSO') header.ngayLap = text.trim();
    else if (name === 'SOLUONGHOSO' && parent === 'THONGTINHOSO') {
      const n = Number.parseInt(text.trim(), 10);
      if (Number.isFinite(n)) header.soLuongHoso = n;
    } else if (name === 'LOAIHOSO' && current) fileLoai = text.trim().toUpperCase();
    else if (name === 'FILEHOSO' && current) {
      current.files.push(fileFromPieces(fileLoai, fileContent));
      fileContent = [];
    } else if (name === 'HOSO' && current) {
      ready.push({ kind: 'hoso', hoso: current });
      current = undefined;
    }
    path.pop();
    text = '';
  });

  let decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let sawBytes = false;
  let byteOffset = 0;
  /**
   * Characters given to the parser before the current chunk: the document offset of its first
   * character, in the units of parser.position at an event (between writes parser.position
   * counts the last chunk twice, so it cannot serve).
   */
  let written = 0;
  for await (const chunk of bytes) {
    if (chunk.length === 0) continue;
    if (first) {
      first = false;
      // UTF-16 exports exist on some Windows HIS; everything else must be UTF-8.
      if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) decoder = new TextDecoder('utf-16le', { fatal: true });
      else if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) decoder = new TextDecoder('utf-16be', { fatal: true });
    }
    let str: string;
    try {
      str = decoder.decode(chunk, { stream: true });
    } catch {
      // Records complete before the bad bytes are whole records: read them first, so that the
      // caller keeps them (DESIGN §4.3), then refuse the rest with the exact place.
      const valid = decoder.encoding === 'utf-8' ? validUtf8Prefix(chunk) : 0;
      const head = new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(0, valid), { stream: true });
      if (!sawBytes && head.trimStart().startsWith('<')) sawBytes = true;
      if (head && sawBytes) {
        parser.write(head);
        while (ready.length) yield ready.shift()!;
        if (failure) throw failure;
      }
      throw new EnvelopeError(
        EnvelopeErrorCode.encoding,
        `the file is not valid UTF-8 near byte ${byteOffset + valid} (claim XML must be UTF-8; re-export it from the HIS as UTF-8)`,
      );
    }
    byteOffset += chunk.length;
    if (!sawBytes) {
      const trimmed = str.trimStart();
      if (trimmed.length === 0) continue;
      sawBytes = true;
      if (!trimmed.startsWith('<')) {
        throw new EnvelopeError(EnvelopeErrorCode.notXml, 'the file is not XML (it does not start with "<")', 1, 1);
      }
    }
    parser.write(str);
    takeContentSoFar(str, written);
    written += str.length;
    // Only a record's file content (NOIDUNGFILE) may be large; any other item is short.
    const itemLimit = current && path[path.length - 1] === 'NOIDUNGFILE' ? maxRecordChars : Math.min(maxRecordChars, MAX_OTHER_ITEM_CHARS);
    if (written - reportedAt > itemLimit) {
      fail(EnvelopeErrorCode.recordTooLarge, `one XML item (text, tag or comment) is larger than ${itemLimit} characters: refused`);
    }
    while (ready.length) yield ready.shift()!;
    if (failure) throw failure;
  }
  try {
    const tail = decoder.decode();
    if (tail) parser.write(tail);
  } catch {
    throw new EnvelopeError(EnvelopeErrorCode.encoding, 'the file ends in the middle of a UTF-8 character');
  }
  if (!sawBytes) throw new EnvelopeError(EnvelopeErrorCode.empty, 'the file is empty');
  if (failure) throw failure;
  const openPath = path.join('/');
  parser.close();
  while (ready.length) yield ready.shift()!;
  // close() reports problems through the 'error' handler, which TypeScript cannot see.
  const closeFailure = failure as EnvelopeError | undefined;
  if (closeFailure) {
    if (path.length > 0 || /unclosed|unexpected end/i.test(closeFailure.message)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.truncated,
        `the file ends before the XML is complete (still inside ${openPath || 'the document'}): it was probably cut off while being written or copied`,
        closeFailure.line,
        closeFailure.column,
      );
    }
    throw closeFailure;
  }
  if (!sawRoot) throw new EnvelopeError(EnvelopeErrorCode.notXml, 'the file holds no XML element');
  flushHeader();
  while (ready.length) yield ready.shift()!;
}

/**
 * Length of the longest head of `chunk` made of whole, valid UTF-8 characters: where the bad
 * bytes start. Only called once a chunk failed to decode.
 */
function validUtf8Prefix(chunk: Uint8Array): number {
  const ok = (n: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(0, n), { stream });
      return true;
    } catch {
      return false;
    }
  };
  // Heads that may end inside a character: valid up to some length, invalid beyond it.
  let lo = 0;
  let hi = chunk.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid, true)) lo = mid;
    else hi = mid;
  }
  // A character begun there is the broken one: step back to its first byte.
  while (lo > 0 && !ok(lo, false)) lo--;
  return lo;
}

/**
 * The stored form of one claim record (see hosoToXml) as the strings whose concatenation it
 * is, a large table's content in the pieces it was read in: intake writes a record of any size
 * from these without building it whole.
 */
export function hosoXmlParts(hoso: Pick<HosoRecord, 'files'>, header: EnvelopeHeader = {}): string[] {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const facility = header.maCskcb ? ` MACSKCB="${esc(header.maCskcb).replace(/"/g, '&quot;')}"` : '';
  const parts = [`<HOSO${facility}>`];
  for (const f of hoso.files) {
    parts.push(`<FILEHOSO><LOAIHOSO>${esc(f.loaiHoso)}</LOAIHOSO><NOIDUNGFILE>`);
    for (const piece of contentPieces(f)) parts.push(piece);
    parts.push('</NOIDUNGFILE></FILEHOSO>');
  }
  parts.push('</HOSO>');
  return parts;
}

/** Serialises a HOSO back to envelope XML: the stored form of one claim record. */
export function hosoToXml(hoso: Pick<HosoRecord, 'files'>, header: EnvelopeHeader = {}): string {
  return hosoXmlParts(hoso, header).join('');
}

/**
 * One claim record as split from its envelope: its tables and the sending facility from the
 * envelope's header. What the stored form (hosoToXml) holds, before it is written as text;
 * `vhr-agent convert` hands this to the converter as it is, without writing and re-reading it.
 */
export interface SplitHoso {
  maCskcb?: string;
  files: FileHoso[];
}

/** A split HOSO with its envelope's facility: exactly what parseHosoXml(hosoToXml(hoso, header)) gives. */
export function splitHoso(hoso: Pick<HosoRecord, 'files'>, header: EnvelopeHeader = {}): SplitHoso {
  return { maCskcb: header.maCskcb || undefined, files: hoso.files };
}

/** Reads the stored form written by hosoToXml (small, whole in memory by design). */
export function parseHosoXml(xml: string): SplitHoso {
  const files: FileHoso[] = [];
  const head = /^<HOSO(?:\s+MACSKCB="([^"]*)")?>/.exec(xml);
  if (!head) throw new EnvelopeError(EnvelopeErrorCode.malformed, 'stored HOSO record is not a <HOSO> element');
  const re = /<FILEHOSO><LOAIHOSO>([^<]*)<\/LOAIHOSO><NOIDUNGFILE>([^<]*)<\/NOIDUNGFILE><\/FILEHOSO>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    files.push({ loaiHoso: m[1]!.replace(/&lt;/g, '<').replace(/&amp;/g, '&'), noiDungFile: m[2]! });
  }
  const maCskcb = head[1]?.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  return { maCskcb, files };
}

// The bytes stored for one claim record: its stored form (hosoToXml). A record of ordinary size
// is one Buffer; a very large one (tables of tens of MB) is handed to the store as chunks, which
// it hashes and seals one at a time (main/store/intake.ts), so that a 200 MB HOSO is never held
// at once as one string, then one Buffer, then a sealed copy (DESIGN §4.2).
import type { RawChunks } from '../../../main/store/types.js';
import { hosoXmlParts, type EnvelopeHeader, type HosoRecord } from '../../formats/xml130/envelope/envelope.js';

/** Records whose stored form has at least this many characters are stored from chunks. */
export const CHUNKED_RECORD_CHARS = 4 * 1024 * 1024;
/** Characters turned into bytes at a time, into one reused buffer (3 bytes a character at most). */
const CHUNK_CHARS = 256 * 1024;

/** Pieces of `s` of at most CHUNK_CHARS, never splitting a surrogate pair. */
function* slices(s: string): Generator<string> {
  for (let at = 0; at < s.length; ) {
    let end = Math.min(s.length, at + CHUNK_CHARS);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield s.slice(at, end);
    at = end;
  }
}

/** The stored form of `hoso` as the store takes it: whole when small, in chunks when large. */
export function storedRecordBytes(hoso: Pick<HosoRecord, 'files'>, header: EnvelopeHeader = {}): Buffer | RawChunks {
  const parts = hosoXmlParts(hoso, header);
  let chars = 0;
  for (const p of parts) chars += p.length;
  if (chars < CHUNKED_RECORD_CHARS) return Buffer.from(parts.join(''), 'utf8');
  let size = 0;
  for (const p of parts) size += Buffer.byteLength(p, 'utf8');
  return {
    size,
    // One buffer for all the chunks of a walk: no garbage the size of the record.
    *chunks() {
      const scratch = Buffer.allocUnsafe(3 * CHUNK_CHARS);
      for (const p of parts) {
        for (const s of p.length <= CHUNK_CHARS ? [p] : slices(p)) yield scratch.subarray(0, scratch.write(s, 'utf8'));
      }
    },
  };
}

/** Bytes of a record as the store takes it. */
export function storedSize(raw: Buffer | RawChunks): number {
  return Buffer.isBuffer(raw) ? raw.length : raw.size;
}

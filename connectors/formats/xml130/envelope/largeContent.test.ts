// A table of tens of MB leaves the envelope reader in pieces (heldText.ts), never held whole by
// the XML parser: what a consumer sees must be what it saw when the content came in one string.
import { describe, expect, it } from 'vitest';
import { contentPieces, hosoToXml, PIECEWISE_CONTENT_CHARS, splitEnvelope, type HosoRecord } from './envelope.js';

async function* chunks(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function records(xml: string, chunkSize: number): Promise<HosoRecord[]> {
  const out: HosoRecord[] = [];
  for await (const ev of splitEnvelope(chunks(Buffer.from(xml, 'utf8'), chunkSize))) if (ev.kind === 'hoso') out.push(ev.hoso);
  return out;
}

/** Base64 of `bytes` characters of a made-up table, and the same wrapped at 76 columns (CRLF), as some HIS write it. */
function bigTable(bytes: number): { base64: string; wrapped: string } {
  const row = '<CHI_TIET_THUOC><MA_LK>LK0001</MA_LK><STT>1</STT><TEN_THUOC>Paracetamol 500mg</TEN_THUOC></CHI_TIET_THUOC>';
  const base64 = Buffer.from(`<DSACH_CHI_TIET_THUOC>${row.repeat(Math.ceil(bytes / row.length))}</DSACH_CHI_TIET_THUOC>`).toString('base64');
  return { base64, wrapped: base64.replace(/.{76}/g, '$&\r\n') };
}

const envelope = (hoso: string) =>
  `<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>94170</MACSKCB></THONGTINDONVI><THONGTINHOSO><DANHSACHHOSO>${hoso}</DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>`;
const xml1 = Buffer.from('<TONG_HOP><MA_LK>LK0001</MA_LK></TONG_HOP>').toString('base64');

describe('a very large table in the envelope', () => {
  const { base64, wrapped } = bigTable(3 * PIECEWISE_CONTENT_CHARS);
  const xml = envelope(
    `<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${xml1}</NOIDUNGFILE></FILEHOSO>` +
      `<FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>\r\n${wrapped}\r\n</NOIDUNGFILE></FILEHOSO></HOSO>`,
  );
  const stored = `<HOSO MACSKCB="94170"><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${xml1}</NOIDUNGFILE></FILEHOSO><FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>${base64}</NOIDUNGFILE></FILEHOSO></HOSO>`;

  it('is read in pieces, whatever the chunk size, and gives the same content and stored form', async () => {
    for (const size of [4_096, 65_536, 256 * 1024, Buffer.byteLength(xml)]) {
      const [hoso] = await records(xml, size);
      expect(hoso!.files.map((f) => f.loaiHoso)).toEqual(['XML1', 'XML2']);
      const table = hoso!.files[1]!;
      if (size <= 256 * 1024) expect(contentPieces(table).length).toBeGreaterThan(4);
      expect(contentPieces(table).join('')).toBe(base64);
      expect(hosoToXml(hoso!, { maCskcb: '94170' })).toBe(stored);
      // Read as one string when asked for, the same text.
      expect(table.noiDungFile).toBe(base64);
      expect({ ...table }).toEqual({ loaiHoso: 'XML2', noiDungFile: base64 });
    }
  });

  it('leaves out a comment, and takes entities and CDATA, around content read in pieces', async () => {
    const half = base64.length / 2;
    // Comments right after a start tag and a CDATA section: no text node tells where they begin.
    const comment = `<!-- ${'ghi chú '.repeat(40_000)} -->`;
    const noisy = envelope(
      `<HOSO><FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>${comment}${base64.slice(0, half)}` +
        `&#65;&#66;<![CDATA[CDEF]]>${comment}${base64.slice(half)}</NOIDUNGFILE></FILEHOSO></HOSO>`,
    );
    for (const size of [4_096, 100_000]) {
      const [hoso] = await records(noisy, size);
      expect(hoso!.files[0]!.noiDungFile).toBe(`${base64.slice(0, half)}ABCDEF${base64.slice(half)}`);
    }
  });
});

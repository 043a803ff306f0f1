// XML bombs and external entities (docs/security.md): refused with a code and a message, in
// the envelope and in an inner NOIDUNGFILE document alike; nothing is expanded or fetched, the
// reader never holds more than its limits, and nothing hangs (the test timeout is the guard).
import { describe, expect, it } from 'vitest';
import { EnvelopeError, EnvelopeErrorCode, splitEnvelope } from './envelope.js';
import { convertClaimRecord } from '../convert.js';
import { storedHosoXml } from './storedForm.js';
import { defaultProfilePack } from '../../../profile-pack/index.js';
import { envelopeOf, xml1Of } from '../../../../test/support/claimXml.js';

const ctx = { facilityCode: '94170', now: new Date('2026-03-01T00:00:00Z'), profilePack: defaultProfilePack() };

async function* chunked(text: string | Buffer, size = 64 * 1024) {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function refusal(source: AsyncIterable<Buffer>, options = {}): Promise<EnvelopeError> {
  try {
    for await (const _ of splitEnvelope(source, options)) void _;
  } catch (err) {
    if (err instanceof EnvelopeError) return err;
    throw err;
  }
  throw new Error('the envelope was accepted');
}

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE GIAMDINHHS [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']>';
const XXE = '<?xml version="1.0"?><!DOCTYPE GIAMDINHHS [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
const deep = (n: number, inner = '') => '<A>'.repeat(n) + inner + '</A>'.repeat(n);

describe('XML bombs in the envelope', () => {
  it.each([
    ['billion laughs', `${BILLION_LAUGHS}<GIAMDINHHS><THONGTINDONVI><MACSKCB>&lol9;</MACSKCB></THONGTINDONVI></GIAMDINHHS>`],
    ['external entity (XXE)', `${XXE}<GIAMDINHHS><THONGTINDONVI><MACSKCB>&xxe;</MACSKCB></THONGTINDONVI></GIAMDINHHS>`],
    ['a DOCTYPE before a good envelope', `<!DOCTYPE GIAMDINHHS>${envelopeOf([{ maLk: 'D1' }]).replace(/^<\?xml[^>]*>/, '')}`],
  ])('%s: ENVELOPE_DOCTYPE, nothing expanded', async (_, xml) => {
    const err = await refusal(chunked(xml));
    expect([err.code, err.message]).toEqual([EnvelopeErrorCode.doctype, expect.stringMatching(/declares a DOCTYPE.*XML bombs.*XXE/)]);
    expect(err.message).not.toContain('root:');
  });

  it('100,000 nested elements: ENVELOPE_TOO_DEEP', async () => {
    const xml = `<GIAMDINHHS><THONGTINHOSO>${deep(100_000)}</THONGTINHOSO></GIAMDINHHS>`;
    const err = await refusal(chunked(xml));
    expect([err.code, err.message]).toEqual([EnvelopeErrorCode.tooDeep, 'elements are nested more than 64 deep (a claim-XML envelope is 6 deep): refused']);
  });

  it('an enormous NOIDUNGFILE above the per-record limit: refused while streaming, memory held to the limit', async () => {
    const limit = 1024 * 1024;
    const head = Buffer.from('<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>');
    const block = Buffer.alloc(1024 * 1024, 'QUFB'); // valid base64, 1 MiB a chunk
    let sent = 0;
    async function* enormous() {
      yield head;
      // 512 MiB offered; the reader must stop long before.
      for (let i = 0; i < 512; i++) {
        sent++;
        yield block;
      }
    }
    const rssBefore = process.memoryUsage().rss;
    const err = await refusal(enormous(), { maxRecordChars: limit });
    expect(err.code).toBe(EnvelopeErrorCode.recordTooLarge);
    expect(err.message).toMatch(/larger than 1048576 characters/);
    expect(sent).toBeLessThanOrEqual(3);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('one huge attribute or comment is bounded by the same limit', async () => {
    const attr = `<GIAMDINHHS><HOSO x="${'A'.repeat(3 * 1024 * 1024)}"></HOSO></GIAMDINHHS>`;
    expect((await refusal(chunked(attr), { maxRecordChars: 1024 * 1024 })).code).toBe(EnvelopeErrorCode.recordTooLarge);
    const comment = `<GIAMDINHHS><!--${'-x'.repeat(2 * 1024 * 1024)}--></GIAMDINHHS>`;
    expect((await refusal(chunked(comment), { maxRecordChars: 1024 * 1024 })).code).toBe(EnvelopeErrorCode.recordTooLarge);
  });
});

describe('XML bombs inside a NOIDUNGFILE document', () => {
  it.each([
    ['billion laughs', `${BILLION_LAUGHS}${xml1Of({ maLk: 'B1' }).replace('<HO_TEN>NGUYỄN VĂN AN', '<HO_TEN>&lol9;')}`],
    ['external entity (XXE)', `${XXE}${xml1Of({ maLk: 'X1' }).replace('<HO_TEN>NGUYỄN VĂN AN', '<HO_TEN>&xxe;')}`],
  ])('%s in XML1: XML1_REFUSED, the record kept as invalid', (_, inner) => {
    const out = convertClaimRecord(storedHosoXml([['XML1', inner]], '94170'), ctx);
    expect(out).toEqual({ ok: false, code: 'XML1_REFUSED', message: expect.stringMatching(/^XML1 declares a DOCTYPE/), field: 'XML1' });
  });

  it('100,000 nested elements in XML1: XML1_REFUSED (no stack overflow)', () => {
    const inner = `<TONG_HOP><MA_LK>N1</MA_LK>${deep(100_000, '<X>1</X>')}</TONG_HOP>`;
    const out = convertClaimRecord(storedHosoXml([['XML1', inner]], '94170'), ctx);
    expect(out).toEqual({ ok: false, code: 'XML1_REFUSED', message: 'XML1 nests elements more than 64 deep (a claim table is at most 4 deep): refused', field: 'XML1' });
  });

  it('a bomb in another table: that table is not converted and says why; the record still converts', () => {
    const out = convertClaimRecord(storedHosoXml([['XML1', xml1Of({ maLk: 'T2' })], ['XML2', `${XXE}<DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>T2</MA_LK><TEN_THUOC>&xxe;</TEN_THUOC></CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC>`]], '94170'), ctx);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.notMapped).toContain('XML2');
    expect(out.warnings).toContainEqual(expect.objectContaining({ field: 'XML2', message: expect.stringMatching(/declares a DOCTYPE/) }));
    expect(JSON.stringify(out.bundle)).not.toContain('root:');
  });
});

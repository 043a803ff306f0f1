import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { EnvelopeError, hosoToXml, parseHosoXml, splitEnvelope, splitHoso, type EnvelopeEvent } from './envelope.js';
import { decodeBase64Strict } from './base64.js';
import { claimRecordKey } from './recordKey.js';
import { envelopeOf, manyClaims } from '../../../../test/support/claimXml.js';
import { readSharedSample } from '../../../../test/support/sharedSamples.js';

async function* chunks(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function read(data: Buffer | string, chunkSize = 7): Promise<{ events: EnvelopeEvent[]; error?: EnvelopeError }> {
  const events: EnvelopeEvent[] = [];
  try {
    for await (const ev of splitEnvelope(chunks(Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), chunkSize))) events.push(ev);
  } catch (err) {
    if (err instanceof EnvelopeError) return { events, error: err };
    throw err;
  }
  return { events };
}

const hosos = (events: EnvelopeEvent[]) => events.flatMap((e) => (e.kind === 'hoso' ? [e.hoso] : []));

describe('claim-XML envelope reader', () => {
  it('yields the header, then every HOSO with its tables, whatever the chunk size', async () => {
    const xml = envelopeOf(manyClaims(3));
    for (const size of [1, 5, 64, 1 << 20]) {
      const { events, error } = await read(xml, size);
      expect(error).toBeUndefined();
      expect(events[0]).toEqual({ kind: 'header', header: { maCskcb: '94170', ngayLap: '20260223', soLuongHoso: 3 } });
      const records = hosos(events);
      expect(records.map((h) => h.index)).toEqual([0, 1, 2]);
      expect(records.map((h) => claimRecordKey(h.files))).toEqual(
        ['LK0001', 'LK0002', 'LK0003'].map((maLk) => ({ ok: true, maCskcb: '94170', maLk, naturalKey: `94170|${maLk}` })),
      );
    }
  });

  it('reads the real exports, including a BOM, inner declarations and CDATA', async () => {
    for (const [file, maLk, tables] of [
      ['outpatient-visit.xml', 'OP62317537', 'XML1 XML2 XML3 XML4 XML14'],
      ['inpatient-bom-cdata-xml5.xml', '612273', 'XML1 XML2 XML3 XML4 XML5 XML7 XML8 XML14'],
    ] as const) {
      const { events, error } = await read(readSharedSample('xml130', file), 4096);
      expect(error).toBeUndefined();
      const [h] = hosos(events);
      expect(h!.files.map((f) => f.loaiHoso).join(' ')).toBe(tables);
      expect(claimRecordKey(h!.files)).toMatchObject({ ok: true, maLk });
    }
  });

  it('keeps the complete HOSO before a truncation and says the file was cut off', async () => {
    const xml = envelopeOf(manyClaims(3));
    const secondHoso = xml.indexOf('<HOSO>', xml.indexOf('</HOSO>'));
    const cut = xml.slice(0, secondHoso + 40);
    const { events, error } = await read(cut);
    expect(hosos(events)).toHaveLength(1);
    expect(error?.code).toBe('ENVELOPE_TRUNCATED');
    expect(error?.message).toMatch(/ends before the XML is complete .*GIAMDINHHS\/THONGTINHOSO\/DANHSACHHOSO\/HOSO/);
  });

  it.each([
    ['', 'ENVELOPE_EMPTY', /empty/],
    ['   \n  ', 'ENVELOPE_EMPTY', /empty/],
    ['MA_LK;HO_TEN\n1;AN', 'ENVELOPE_NOT_XML', /not XML/],
    ['<?xml version="1.0"?><TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>', 'ENVELOPE_WRONG_ROOT', /root element is <TONG_HOP>, expected <GIAMDINHHS>/],
    ['<GIAMDINHHS><HOSO></FILEHOSO></GIAMDINHHS>', 'ENVELOPE_MALFORMED', /malformed/],
  ])('refuses %j with %s', async (input, code, message) => {
    const { error } = await read(input);
    expect(error?.code).toBe(code);
    expect(error?.message).toMatch(message);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('<GIAMDINHHS><THONGTINDONVI><MACSKCB>'), Buffer.from([0xc3, 0x28, 0xa0]), Buffer.from('</MACSKCB>')]);
    const { error } = await read(bytes);
    expect(error?.code).toBe('ENVELOPE_ENCODING');
    expect(error?.message).toMatch(/not valid UTF-8 near byte 36 /);
  });

  it('keeps the records that are complete before bytes that are not UTF-8', async () => {
    const good = envelopeOf(manyClaims(2));
    const cut = good.indexOf('</HOSO>') + '</HOSO>'.length;
    const bytes = Buffer.concat([Buffer.from(good.slice(0, cut)), Buffer.from([0xc3, 0x28]), Buffer.from(good.slice(cut))]);
    const { events, error } = await read(bytes, 1 << 20);
    expect(hosos(events).map((h) => claimRecordKey(h.files))).toMatchObject([{ ok: true, maLk: 'LK0001' }]);
    expect(error?.code).toBe('ENVELOPE_ENCODING');
    expect(error?.message).toContain(`near byte ${Buffer.byteLength(good.slice(0, cut))} `);
  });

  it('refuses a HOSO larger than the limit without holding it all', async () => {
    const events: EnvelopeEvent[] = [];
    await expect(async () => {
      for await (const ev of splitEnvelope(chunks(Buffer.from(envelopeOf(manyClaims(2))), 100), { maxRecordChars: 200 })) events.push(ev);
    }).rejects.toMatchObject({ code: 'ENVELOPE_RECORD_TOO_LARGE' });
  });

  it('measures items, not chunks: a chunk far larger than the limits is read when every item is within them', async () => {
    const hoso = '<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>QUJD</NOIDUNGFILE></FILEHOSO></HOSO>';
    const xml = `<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO>${hoso.repeat(20)}</DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>`;
    const events: EnvelopeEvent[] = [];
    for await (const ev of splitEnvelope(chunks(Buffer.from(xml), xml.length), { maxRecordChars: 200 })) events.push(ev);
    expect(hosos(events).map((h) => h.files[0]!.noiDungFile)).toEqual(Array(20).fill('QUJD'));
  });

  it('reads plain base64 content, and content wrapped or holding references or CDATA, to the same tables whatever the chunk size', async () => {
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const contents = [
      b64('<A>plain</A>'.repeat(400)),
      // Wrapped lines, a character reference and a CDATA section: the parser reads from there on.
      `${b64('<B>one</B>'.repeat(50))}\n  ${b64('<B>two</B>')}`,
      `${b64('<C/>')}&#x41;&#x3D;`,
      `${b64('<D/>')}<![CDATA[QUJD]]>${b64('<E/>')}`,
    ];
    const files = contents.map((c, i) => `<FILEHOSO><LOAIHOSO>XML${i + 1}</LOAIHOSO><NOIDUNGFILE>${c}</NOIDUNGFILE></FILEHOSO>`).join('');
    const xml = `<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO><HOSO>${files}</HOSO><HOSO>${files}</HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>`;
    const expected = [
      contents[0],
      `${b64('<B>one</B>'.repeat(50))}${b64('<B>two</B>')}`,
      `${b64('<C/>')}A=`,
      `${b64('<D/>')}QUJD${b64('<E/>')}`,
    ];
    for (const size of [1, 7, 100, 1 << 20]) {
      const { events, error } = await read(xml, size);
      expect(error).toBeUndefined();
      for (const h of hosos(events)) expect(h.files.map((f) => f.noiDungFile)).toEqual(expected);
    }
  });

  it('places an error after a long content where the parser alone places it', async () => {
    const content = Buffer.from('<TONG_HOP/>'.repeat(3000)).toString('base64');
    const xml = `<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${content}</NOIDUNGFILEX></FILEHOSO></HOSO></GIAMDINHHS>`;
    // What the XML parser says of the same text read on its own, character by character.
    const alone = new SaxesParser({ position: true });
    let first: { message: string; line: number; column: number } | undefined;
    alone.on('error', (err) => {
      first ??= { message: err.message, line: alone.line, column: alone.column };
    });
    alone.write(xml);
    expect(first).toBeDefined();
    for (const size of [13, 4096, 1 << 20]) {
      const { error } = await read(xml, size);
      expect(error).toMatchObject({ code: 'ENVELOPE_MALFORMED', message: `XML is malformed: ${first!.message}`, line: first!.line, column: first!.column });
    }
  });

  it('round-trips a HOSO through its stored form', async () => {
    const [h] = hosos((await read(envelopeOf(manyClaims(1)))).events);
    const stored = hosoToXml(h!, { maCskcb: '94170' });
    expect(parseHosoXml(stored)).toEqual({ maCskcb: '94170', files: h!.files });
  });

  it('splits a HOSO into what its stored form reads back as, whatever the facility code holds', async () => {
    const sample = readSharedSample('xml130', 'inpatient-30-drugs.xml');
    const [h] = hosos((await read(sample, 1 << 16)).events);
    expect(h!.files.length).toBeGreaterThan(3);
    for (const header of [{ maCskcb: '94170' }, { maCskcb: 'A"B&C<D' }, { maCskcb: '' }, {}]) {
      const split = splitHoso(h!, header);
      expect(split).toEqual(parseHosoXml(hosoToXml(h!, header)));
      expect(split.files.map((f) => f.loaiHoso)).toEqual(h!.files.map((f) => f.loaiHoso));
    }
  });
});

describe('strict base64', () => {
  it('decodes good base64 and names the problem in bad base64', () => {
    expect(decodeBase64Strict(Buffer.from('<TONG_HOP/>').toString('base64'))).toEqual({ ok: true, bytes: Buffer.from('<TONG_HOP/>') });
    expect(decodeBase64Strict('PFRPTkdf*E9QLz4=')).toEqual({ ok: false, message: 'NOIDUNGFILE is not base64: character "*" at position 8' });
    expect(decodeBase64Strict('PFRPTkdfSE9QLz4')).toMatchObject({ ok: true });
    expect(decodeBase64Strict('PFRPTkdfSE9QL=')).toEqual({ ok: false, message: 'NOIDUNGFILE base64 is truncated (14 characters, not a multiple of 4)' });
    expect(decodeBase64Strict('PFRPT')).toEqual({ ok: false, message: 'NOIDUNGFILE base64 is truncated (5 characters cannot encode whole bytes)' });
    expect(decodeBase64Strict('  ')).toEqual({ ok: false, message: 'NOIDUNGFILE is empty' });
  });
});

// The checks' light table reader gives exactly the rows and literal nulls of the full reader
// (envelope/innerXml.ts) wherever it reads a table, and leaves to the full reader every
// document it does not fully understand.
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from '../envelope/base64.js';
import { splitEnvelope, type FileHoso } from '../envelope/envelope.js';
import { parseInnerTable } from '../envelope/innerXml.js';
import { generateEnvelope } from '../../../../tools/claimXml/generate.js';
import { SAMPLES, readSample } from '../../../../test/support/claimChecks.js';
import { readPlainTable } from './lightTable.js';

/** The full reader's view in the light reader's shape. */
function full(xml: string, table = 'XML2') {
  const r = parseInnerTable(Buffer.from(xml), table);
  if (!r.ok) return r.code;
  const sentinels = r.table.normalisations
    .filter((n) => n.rule === 'sentinel-as-absent')
    .map((n) => {
      const m = /^[^/[]+(?:\[(\d+)\])?\/(.+)$/.exec(n.field)!;
      return { row: m[1] ? Number(m[1]) : 1, field: m[2]! };
    });
  return { rows: r.table.rows.map((row) => ({ position: row.position, values: row.values })), sentinels };
}
const light = (xml: string) => readPlainTable(Buffer.from(xml));

async function tablesOf(bytes: Buffer): Promise<FileHoso[]> {
  const files: FileHoso[] = [];
  for await (const ev of splitEnvelope(Readable.from([bytes]))) if (ev.kind === 'hoso') files.push(...ev.hoso.files);
  return files;
}

describe('light table reader', () => {
  it('reads every plain table of the public samples and of generated exports as the full reader does', async () => {
    const files = [
      ...(await Promise.all(readdirSync(SAMPLES).filter((f) => f.endsWith('.xml')).map((f) => tablesOf(Buffer.from(readSample(f)))))).flat(),
      ...(await tablesOf(Buffer.from(generateEnvelope({ records: 20, seed: 7, lines: 12 })))),
    ];
    let plain = 0;
    for (const f of files) {
      const bytes = decodeBase64Strict(f.noiDungFile);
      if (!bytes.ok) continue;
      const xml = bytes.bytes.toString('utf8');
      const l = readPlainTable(bytes.bytes);
      if (!l) continue;
      plain++;
      expect(l, `${f.loaiHoso}`).toEqual(full(xml, f.loaiHoso));
    }
    expect(plain).toBeGreaterThan(files.length / 2);
  });

  it('agrees on rows, repeated and empty elements, literal nulls, line ends and nesting', () => {
    const docs = [
      '<?xml version="1.0" encoding="utf-8"?>\n<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>1</MA_LK><NGAY_YL> 202601010800 </NGAY_YL><X/><Y>null</Y></CHI_TIET_THUOC>' +
        '<CHI_TIET_THUOC><MA_LK>2</MA_LK><MA_LK>3</MA_LK><Z></Z><Z>v</Z><W>undefined</W><W>undefined</W></CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>',
      '<TONG_HOP>\r\n  <MA_LK>LK1</MA_LK>\r\n  <DIA_CHI>Số 1\r\nđường Mẫu</DIA_CHI>\r\n  <NHOM><A>1</A></NHOM><DIEN_THOAI>NULL</DIEN_THOAI>\r\n</TONG_HOP>',
      '<DSACH_CHI_TIET_CLS><CHI_TIET_CLS><GIA_TRI>5,2</GIA_TRI></CHI_TIET_CLS><CHI_TIET_CLS><GIA_TRI>Âm tính</GIA_TRI></CHI_TIET_CLS></DSACH_CHI_TIET_CLS>',
      '<ROOT><DSACH_CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></ROOT>',
      // Vietnamese written decomposed (NFD) becomes NFC in both.
      `<TONG_HOP><HO_TEN>${'NGUYỄN'.normalize('NFD')}</HO_TEN></TONG_HOP>`,
    ];
    for (const xml of docs) expect(light(xml), xml).toEqual(full(xml));
  });

  it('leaves CDATA, entities, comments, attributes, namespaces and anything not well-formed to the full reader', () => {
    const docs = [
      '<TONG_HOP><MA_LK><![CDATA[LK1]]></MA_LK></TONG_HOP>',
      '<TONG_HOP><HO_TEN>A &amp; B</HO_TEN></TONG_HOP>',
      '<TONG_HOP><!-- x --><MA_LK>1</MA_LK></TONG_HOP>',
      '<TONG_HOP xmlns="urn:x"><MA_LK>1</MA_LK></TONG_HOP>',
      '<x:TONG_HOP><MA_LK>1</MA_LK></x:TONG_HOP>',
      '<TONG_HOP><MA_LK>1</MA_LK>',
      '<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP><TONG_HOP/>',
      '<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>tail',
      '<TONG_HOP><MA_LK>1</MA_KL></TONG_HOP>',
      '<!DOCTYPE a><TONG_HOP/>',
      'not xml',
      '<TONG_HOP><MA_LK>a\u0001b</MA_LK></TONG_HOP>',
    ];
    for (const xml of docs) expect(light(xml), xml).toBeUndefined();
    expect(readPlainTable(Buffer.from([0x3c, 0x41, 0x3e, 0xff, 0x3c, 0x2f, 0x41, 0x3e]))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { parseInnerTable } from './innerXml.js';

const read = (xml: string, loai = 'XML2') => {
  const r = parseInnerTable(Buffer.from(xml, 'utf8'), loai);
  if (!r.ok) throw new Error(r.message);
  return r.table;
};
const values = (xml: string, loai?: string) => read(xml, loai).rows.map((r) => Object.fromEntries(r.values));

describe('inner table reader', () => {
  it('reads list tables with and without the CHITIEU wrapper', () => {
    const row = '<CHI_TIET_THUOC><MA_LK>1</MA_LK><STT>1</STT></CHI_TIET_THUOC>';
    expect(values(`<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>${row}${row}</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>`)).toHaveLength(2);
    expect(values(`<DSACH_CHI_TIET_THUOC>${row}</DSACH_CHI_TIET_THUOC>`)).toEqual([{ MA_LK: '1', STT: '1' }]);
    expect(read('<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC/></CHITIEU_CHITIET_THUOC>').rows).toEqual([]);
  });

  it('reads a single record, keeping leading zeros, and names nested elements it does not read', () => {
    const t = read('<TONG_HOP><MA_LK>OP1</MA_LK><MA_LOAI_KCB>01</MA_LOAI_KCB><KHAC><A>1</A></KHAC></TONG_HOP>', 'XML1');
    expect(t.single).toBe(true);
    expect(Object.fromEntries(t.rows[0]!.values)).toEqual({ MA_LK: 'OP1', MA_LOAI_KCB: '01' });
    expect(t.nestedElements).toEqual(['KHAC']);
  });

  it('decodes entities: XML ones, HTML ones written raw or double-escaped, and numeric ones', () => {
    const [v] = values('<R><DSACH><X><A>a &amp; b</A><B>Th&ocirc;n</B><C>&amp;yacute;</C><D>&#7853;</D><E>5 &lt; 6 &unknownname; x</E></X></DSACH></R>');
    expect(v).toEqual({ A: 'a & b', B: 'Thôn', C: 'ý', D: 'ậ', E: '5 < 6 &unknownname; x' });
    expect(read('<R><X><A>&foo;</A></X></R>').escapedEntities).toEqual(['foo']);
  });

  it('escapes a bare ampersand instead of failing, and leaves CDATA untouched', () => {
    const [v] = values('<R><X><A>A & B</A><B><![CDATA[x &copy; <y>]]></B></X></R>');
    expect(v).toEqual({ A: 'A & B', B: 'x © <y>' });
  });

  it('treats empty, null and undefined as absent and records the sentinels', () => {
    const t = read('<R><X><A>null</A><B>undefined</B><C/><D> </D><E>0</E></X></R>');
    expect(Object.fromEntries(t.rows[0]!.values)).toEqual({ E: '0' });
    expect([...t.rows[0]!.empty]).toEqual(['A', 'B', 'C', 'D']);
    expect(t.normalisations).toEqual([
      { field: 'XML2[1]/A', rule: 'sentinel-as-absent', from: 'null' },
      { field: 'XML2[1]/B', rule: 'sentinel-as-absent', from: 'undefined' },
    ]);
  });

  it('refuses text that is not UTF-8 or not well-formed, saying which table', () => {
    expect(parseInnerTable(Buffer.from([0x3c, 0x41, 0x3e, 0xff, 0x3c, 0x2f, 0x41, 0x3e]), 'XML3')).toEqual({ ok: false, code: 'NOT_XML', message: 'XML3 is not valid UTF-8 text' });
    const bad = parseInnerTable(Buffer.from('<A><B></A>'), 'XML4');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/^XML4 is not well-formed XML: /);
  });
});

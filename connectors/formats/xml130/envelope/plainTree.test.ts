import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { readPlainTree, type XmlNode } from './plainTree.js';

/** The oracle: the tree a conforming parser builds (names without prefix, text and CDATA joined), or null on an error. */
function saxesTree(xml: string): XmlNode | null {
  const parser = new SaxesParser();
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('opentag', (tag) => {
    const i = tag.name.indexOf(':');
    const node: XmlNode = { name: i >= 0 ? tag.name.slice(i + 1) : tag.name, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else root ??= node;
    stack.push(node);
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => stack.pop());
  try {
    parser.write(xml).close();
  } catch {
    failed = true;
  }
  return failed || !root ? null : root;
}

/** The tree without the reader's bookkeeping, for comparison. */
const plain = (n: XmlNode): XmlNode => ({ name: n.name, text: n.text, children: n.children.map(plain) });

const ACCEPTED = [
  '<TONG_HOP><MA_LK>OP1</MA_LK><HO_TEN>Nguyễn Văn A</HO_TEN><X/></TONG_HOP>',
  '<?xml version="1.0" encoding="utf-8"?>\r\n<R>\r\n  <DSACH>\r\n    <X><A>line1\r\nline2\rline3</A></X>\r\n  </DSACH>\r\n</R>\r\n',
  "<?xml version='1.0' standalone='yes' ?><R a='1' b = \"2\"><X><A>5 &lt; 6 &amp; 7 &gt; 3 &quot;q&quot; &apos;a&apos;</A></X></R>",
  '<ns:R xmlns:ns="urn:x"><ns:X><ns:A>1</ns:A></ns:X ></ns:R>  \n',
  '<R><X><A>  padded  </A><B>null</B><C></C><D>a > b</D></X></R>',
];

/** Documents the quick reader leaves to the full parser: quirks it does not handle, and errors. */
const DECLINED = [
  '<R><X><A><![CDATA[x <y>]]></A></X></R>',
  '<R><!-- note --><X><A>1</A></X></R>',
  '<!DOCTYPE R [<!ENTITY a "b">]><R/>',
  '<R><X><A>&#7853;</A></X></R>',
  '<R><X><A>&yacute;</A></X></R>',
  '<R><X><A>A & B</A></X></R>',
  '<R><?pi data?><X/></R>',
  '<?xml version="1.1"?><R/>',
  '<R><Đ>1</Đ></R>',
  '<R><X><A>bell\u0007</A></X></R>',
  '<R><X><A>a ]]> b</A></X></R>',
  '<A><B></A>',
  '<A></B>',
  '<A><B>',
  '<A/><B/>',
  '<A>x</A>tail',
  '<A b="1" b="2"/>',
  '<A b="1"c="2"/>',
  '<A b="<"/>',
  '<A b=1/>',
  '<A / >',
  '< A/>',
];

describe('quick reader of plain inner documents', () => {
  it.each(ACCEPTED)('builds the same tree as a conforming parser: %s', (xml) => {
    const tree = readPlainTree(xml, 64);
    expect(tree).toBeDefined();
    expect(plain(tree!)).toEqual(saxesTree(xml));
  });

  it.each(DECLINED)('leaves to the full parser: %s', (xml) => {
    expect(readPlainTree(xml, 64)).toBeUndefined();
  });

  it('leaves nesting past the limit to the full parser', () => {
    expect(readPlainTree('<A><B><C/></B></A>', 2)).toBeUndefined();
    expect(readPlainTree('<A><B/></A>', 2)).toBeDefined();
  });

  it('never accepts what a conforming parser rejects, and agrees on what it accepts (mutated documents)', () => {
    // Deterministic mutations: delete, duplicate or replace one character at every position.
    const alphabet = ['<', '>', '/', '&', ';', '"', "'", '=', ' ', '\r', 'A', ':', '!', '?', '\u0000'];
    let compared = 0;
    for (const doc of ACCEPTED) {
      for (let i = 0; i < doc.length; i++) {
        const variants = [doc.slice(0, i) + doc.slice(i + 1), doc.slice(0, i) + doc[i] + doc.slice(i), doc.slice(0, i) + alphabet[i % alphabet.length] + doc.slice(i + 1)];
        for (const v of variants) {
          const quick = readPlainTree(v, 64);
          if (quick === undefined) continue;
          compared++;
          expect(saxesTree(v), v).toEqual(plain(quick));
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

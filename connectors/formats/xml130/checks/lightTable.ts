// A lighter reader of one inner table, for the checks only: one indexOf pass over documents
// written the plain way HIS exports write them (elements and text, no attributes, no CDATA,
// no entity, no comment). It builds the same rows as the full reader (envelope/innerXml.ts):
// a row is an element whose children are all leaves; values cleaned the same way. Anything
// else — or anything not well-formed — returns undefined and the full reader decides, so the
// findings are those of the full reader (tested on every sample and on generated exports).
import { DEFAULT_MAX_XML_DEPTH } from '../envelope/envelope.js';

export interface LightRow {
  position: number;
  values: Map<string, string>;
}

export interface LightTable {
  rows: LightRow[];
  /** Elements written as a literal `null` / `undefined`. */
  sentinels: Array<{ row: number; field: string }>;
}

interface Node {
  name: string;
  children: Node[] | null;
  text: string;
}

/** Characters the full reader handles and this one leaves to it: zero-width and control characters. */
const NOT_PLAIN_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFEFF\u200B\u200C\u200D\u2060\uFFFE\uFFFF]/;
/** Also left to the full reader: markup declarations and CDATA, entities, `]]>` (one native scan each). */
const isPlain = (text: string) => text.indexOf('&') < 0 && text.indexOf('<!') < 0 && text.indexOf(']]>') < 0 && !NOT_PLAIN_CHAR.test(text);
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NON_ASCII = /[^\x00-\x7f]/;
/** The literal "no value" words the full reader drops (innerXml.ts SENTINELS). */
const SENTINELS = new Set(['null', 'undefined', 'NULL', 'Null', 'Undefined', 'UNDEFINED']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

const isWhitespace = (s: string) => s.trim() === '';

const validNames = new Set<string>();
const isName = (tag: string) => {
  if (validNames.has(tag)) return true;
  if (!NAME.test(tag)) return false;
  if (validNames.size < 4096) validNames.add(tag);
  return true;
};

/**
 * The element tree of a plain document, or undefined when the document is not plain (or not
 * well-formed). One pass of indexOf: a leaf's text is one slice taken at its end tag; the
 * text around other elements is only checked (whitespace outside the root), never copied.
 */
function plainTree(text: string): Node | undefined {
  let i = 0;
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) return undefined;
    i = end + 2;
  }
  const stack: Node[] = [];
  /** Where the text of each open element starts. */
  const starts: number[] = [];
  let root: Node | undefined;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (stack.length === 0 && !isWhitespace(lt < 0 ? text.slice(i) : text.slice(i, lt))) return undefined;
    if (lt < 0) break;
    const gt = text.indexOf('>', lt);
    if (gt < 0) return undefined;
    i = gt + 1;
    const top = stack[stack.length - 1];
    if (text.charCodeAt(lt + 1) === 0x2f /* / */) {
      if (!top) return undefined;
      const name = top.name;
      // `</NAME>` or `</NAME  >`
      if (!text.startsWith(name, lt + 2) || text.slice(lt + 2 + name.length, gt).trim() !== '') return undefined;
      const from = starts.pop()!;
      stack.pop();
      if (top.children === null) top.text = text.slice(from, lt);
      continue;
    }
    let tag = text.slice(lt + 1, gt);
    if (tag.startsWith('?')) return undefined;
    const selfClosing = tag.endsWith('/');
    if (selfClosing) tag = tag.slice(0, -1).trimEnd();
    if (!isName(tag)) return undefined; // attributes, namespace prefixes, anything unusual
    if (!top && root) return undefined; // a second root
    if (stack.length >= DEFAULT_MAX_XML_DEPTH) return undefined;
    const node: Node = { name: tag, children: null, text: '' };
    if (top) (top.children ??= []).push(node);
    else root = node;
    if (!selfClosing) {
      stack.push(node);
      starts.push(i);
    }
  }
  return stack.length === 0 ? root : undefined;
}

const isLeaf = (n: Node) => n.children === null;
const isRecord = (n: Node) => n.children !== null && n.children.every(isLeaf) && n.children.some((c) => !c.name.startsWith('DSACH'));
const isSingleRecord = (root: Node) => root.children !== null && root.children.some((c) => isLeaf(c) && !c.name.startsWith('DSACH'));

function collectRecords(n: Node, out: Node[]): void {
  if (isRecord(n)) {
    out.push(n);
    return;
  }
  for (const c of n.children ?? []) collectRecords(c, out);
}

/** The rows of a plain table document (decoded base64), or undefined: read it with the full reader. */
export function readPlainTable(bytes: Uint8Array): LightTable | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  if (!isPlain(text)) return undefined;
  text = text.trimStart();
  if (!text.startsWith('<')) return undefined;
  const root = plainTree(text);
  if (!root) return undefined;
  const single = isSingleRecord(root);
  const records: Node[] = [];
  if (single) records.push(root);
  else collectRecords(root, records);
  const sentinels: LightTable['sentinels'] = [];
  const rows = records.map((rec, k) => {
    const position = k + 1;
    const values = new Map<string, string>();
    for (const leaf of rec.children!) {
      if (!isLeaf(leaf) || values.has(leaf.name)) continue; // a repeated element: the first value wins
      let v = leaf.text;
      if (v.includes('\r')) v = v.replace(/\r\n?/g, '\n'); // XML line-end handling, as a parser does
      if (NON_ASCII.test(v)) v = v.normalize('NFC');
      v = v.trim();
      if (v === '') continue;
      if (SENTINELS.has(v)) sentinels.push({ row: position, field: leaf.name });
      else values.set(leaf.name, v);
    }
    return { position, values };
  });
  return { rows, sentinels };
}

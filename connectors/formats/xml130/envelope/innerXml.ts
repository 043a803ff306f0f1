// Reader of one inner table (the XML document inside a FILEHOSO's NOIDUNGFILE). The
// documents are small, so they are read whole into rows of element → text. Both eras are
// accepted: 130-era lists wrapped in `CHITIEU_*` and 4210-era bare `DSACH_*` lists
// (standards/XML130.md §3): a row is any element whose children are all leaves, so the
// wrapper depth does not matter.
import { isUtf8 } from 'node:buffer';
import { SaxesParser } from 'saxes';
import { decodeHtmlEntities, escapeUnknownEntityRefs } from './htmlEntities.js';
import { DEFAULT_MAX_XML_DEPTH, DOCTYPE_REFUSED } from './envelope.js';
import { readPlainTree, type XmlNode } from './plainTree.js';

/** A value change made while reading, reported by the data-quality check ("sạch"). */
export interface Normalisation {
  /** `XML1/DIEN_THOAI`, `XML2[3]/T_BNCCT` … */
  field: string;
  rule: string;
  /** Old and new value, only for codes and numbers (never free text: it may hold patient data). */
  from?: string;
  to?: string;
}

/** One row of a table: element name → cleaned text (absent when empty or a sentinel). */
export interface InnerRow {
  /** 1-based position of the row in its table. */
  position: number;
  values: Map<string, string>;
  /** Element names present in the input but empty, `null` or `undefined`. */
  empty: Set<string>;
}

export interface InnerTable {
  root: string;
  /** True when the root itself is the record (XML1 TONG_HOP, XML7, XML8, XML13, XML14). */
  single: boolean;
  rows: InnerRow[];
  normalisations: Normalisation[];
  /** Entity names that XML does not define and that were escaped to parse the document. */
  escapedEntities: string[];
  /** Elements with children inside a single record: not fields, so not read (reported as not mapped). */
  nestedElements: string[];
}

/** NOT_XML: damaged or not XML; XML_REFUSED: well-formed but hostile (a DOCTYPE, absurd nesting). */
export type InnerTableResult = { ok: true; table: InnerTable } | { ok: false; code: 'NOT_XML' | 'XML_REFUSED'; message: string };

type Node = XmlNode;

/** Literal strings some exporters write for "no value" (standards/XML130.md §14). */
const SENTINELS = new Set(['null', 'undefined', 'NULL', 'Null', 'Undefined', 'UNDEFINED']);
const ZERO_WIDTH = /[\uFEFF\u200B\u200C\u200D\u2060]/;
const ZERO_WIDTH_ALL = new RegExp(ZERO_WIDTH.source, 'g');
const NON_ASCII = /[^\x00-\x7f]/;

function parseTree(xml: string): { root: Node } | { error: string; refused?: true } {
  const parser = new SaxesParser({ position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let error: string | undefined;
  let refused: string | undefined;
  parser.on('error', (err) => {
    error ??= err.message;
  });
  // The same limits as the envelope (envelope.ts): no DTD, bounded nesting, so that the tree
  // walks below (recursive) stay shallow and nothing is ever expanded.
  parser.on('doctype', () => {
    refused ??= DOCTYPE_REFUSED;
  });
  parser.on('opentag', (tag) => {
    if (refused) return;
    if (stack.length >= DEFAULT_MAX_XML_DEPTH) {
      refused = `nests elements more than ${DEFAULT_MAX_XML_DEPTH} deep (a claim table is at most 4 deep): refused`;
      return;
    }
    const node: Node = { name: localName(tag.name), children: [], text: '' };
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
  parser.on('closetag', () => {
    if (!refused) stack.pop();
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    error ??= (err as Error).message;
  }
  if (refused) return { error: refused, refused: true };
  if (error) return { error };
  if (!root) return { error: 'no element in the document' };
  return { root };
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i >= 0 ? name.slice(i + 1) : name;
}

const isLeaf = (n: Node) => n.children.length === 0;
/** A row: an element whose children are all leaves, other than an empty `DSACH_*` list. */
const isRecord = (n: Node) => n.children.length > 0 && n.children.every(isLeaf) && n.children.some((c) => !c.name.startsWith('DSACH'));
/**
 * A single-record table (TONG_HOP, the papers) has its fields directly under the root; a
 * list table's root holds only containers. An empty `DSACH_*` list is a leaf but not a field.
 */
const isSingleRecord = (root: Node) => root.children.some((c) => isLeaf(c) && !c.name.startsWith('DSACH'));

function collectRecords(n: Node, out: Node[]): void {
  if (isRecord(n)) {
    out.push(n);
    return;
  }
  for (const c of n.children) collectRecords(c, out);
}

/** Printable ASCII without `&` and without spaces at either end: cleanValue would return it unchanged (or as a sentinel). */
const PLAIN_VALUE = /^[\x21-\x25\x27-\x7e](?:[\x20-\x25\x27-\x7e]*[\x21-\x25\x27-\x7e])?$/;

function fieldName(loaiHoso: string, single: boolean, position: number, name: string): string {
  return single ? `${loaiHoso}/${name}` : `${loaiHoso}[${position}]/${name}`;
}

/** Cleans one text value; records what changed. Returns undefined for empty and sentinel values. */
export function cleanValue(raw: string, field: string, out: Normalisation[]): string | undefined {
  let v = raw;
  if (ZERO_WIDTH.test(v)) {
    v = v.replace(ZERO_WIDTH_ALL, '');
    out.push({ field, rule: 'zero-width-removed' });
  }
  const decoded = decodeHtmlEntities(v);
  if (decoded !== v) {
    v = decoded;
    out.push({ field, rule: 'html-entity-decoded' });
  }
  // ASCII text is already NFC; most codes, dates and amounts are ASCII.
  const nfc = NON_ASCII.test(v) ? v.normalize('NFC') : v;
  if (nfc !== v) {
    v = nfc;
    out.push({ field, rule: 'unicode-nfc' });
  }
  v = v.trim();
  if (v === '') return undefined;
  if (SENTINELS.has(v)) {
    out.push({ field, rule: 'sentinel-as-absent', from: v });
    return undefined;
  }
  return v;
}

/**
 * Parses one inner document. `loaiHoso` (XML1…XML15) names fields in normalisations.
 * Handles a UTF-8 BOM, an `<?xml?>` declaration after whitespace, CDATA, HTML entities
 * and namespace prefixes on element names.
 */
export function parseInnerTable(bytes: Uint8Array, loaiHoso: string): InnerTableResult {
  if (!isUtf8(bytes)) return { ok: false, code: 'NOT_XML', message: `${loaiHoso} is not valid UTF-8 text` };
  // One BOM is the encoding's (a UTF-8 decoder drops it), a second one is text's: both go.
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let text = Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8');
  text = text.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('<')) return { ok: false, code: 'NOT_XML', message: `${loaiHoso} is not XML (it does not start with "<")` };
  // Plain documents (nearly all) are read in one quick pass; the full parser takes the rest.
  let root = readPlainTree(text, DEFAULT_MAX_XML_DEPTH);
  let escaped: string[] = [];
  if (!root) {
    const fixed = escapeUnknownEntityRefs(text);
    escaped = fixed.escaped;
    const tree = parseTree(fixed.xml);
    if ('error' in tree) {
      return tree.refused
        ? { ok: false, code: 'XML_REFUSED', message: `${loaiHoso} ${tree.error}` }
        : { ok: false, code: 'NOT_XML', message: `${loaiHoso} is not well-formed XML: ${tree.error}` };
    }
    root = tree.root;
  }
  const single = isSingleRecord(root);
  const records: Node[] = [];
  if (single) records.push(root);
  else collectRecords(root, records);
  const nestedElements = single ? [...new Set(root.children.filter((c) => !isLeaf(c)).map((c) => c.name))] : [];
  const normalisations: Normalisation[] = [];
  const rows = records.map((rec, i) => {
    const position = i + 1;
    const values = new Map<string, string>();
    const empty = new Set<string>();
    for (const leaf of rec.children) {
      if (!isLeaf(leaf)) continue;
      if (values.has(leaf.name)) continue; // a repeated element: the first value wins
      // Codes, dates and amounts are plain ASCII with nothing to clean: only the sentinel check applies.
      const v = PLAIN_VALUE.test(leaf.text)
        ? SENTINELS.has(leaf.text)
          ? cleanValue(leaf.text, fieldName(loaiHoso, single, position, leaf.name), normalisations)
          : leaf.text
        : cleanValue(leaf.text, fieldName(loaiHoso, single, position, leaf.name), normalisations);
      if (v === undefined) empty.add(leaf.name);
      else {
        values.set(leaf.name, v);
        empty.delete(leaf.name);
      }
    }
    return { position, values, empty };
  });
  return { ok: true, table: { root: root.name, single, rows, normalisations, escapedEntities: escaped, nestedElements } };
}

// A quick reader for the plain inner documents that almost every export writes: elements,
// text, the five XML entities, an optional `<?xml?>` declaration and ignorable attributes.
// It builds the same tree the full parser (saxes, innerXml.ts) builds, in a single pass
// without events, and gives up — returning undefined — on anything else: CDATA, comments,
// DOCTYPE, processing instructions, character or unknown entity references, names outside
// ASCII, control characters, and every well-formedness error. The full parser then reads
// the document and says what is wrong, so errors, refusals and quirks stay its business.

export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

/** `<?xml version="1.0" …?>` as the full parser accepts it. */
const XML_DECL = /^<\?xml[ \t\n\r]+version[ \t\n\r]*=[ \t\n\r]*(["'])1\.0\1(?:[ \t\n\r]+encoding[ \t\n\r]*=[ \t\n\r]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n\r]+standalone[ \t\n\r]*=[ \t\n\r]*(["'])(?:yes|no)\3)?[ \t\n\r]*\?>/;
/** Characters the reader leaves to the full parser when found in text. */
const TEXT_SPECIAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]|]]>/;

const enum Ch {
  tab = 0x09,
  lf = 0x0a,
  cr = 0x0d,
  space = 0x20,
  quot = 0x22,
  amp = 0x26,
  apos = 0x27,
  slash = 0x2f,
  lt = 0x3c,
  eq = 0x3d,
  gt = 0x3e,
  question = 0x3f,
}

const isSpace = (c: number) => c === Ch.space || c === Ch.lf || c === Ch.tab || c === Ch.cr;
const isNameStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
const isNameChar = (c: number) => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;

/** The five XML entities; anything else sends the document to the full parser. */
function decodeText(raw: string): string | undefined {
  if (TEXT_SPECIAL.test(raw)) return undefined;
  let s = raw.indexOf('\r') >= 0 ? raw.replace(/\r\n?/g, '\n') : raw; // XML end-of-line handling
  if (s.indexOf('&') < 0) return s;
  let out = '';
  let last = 0;
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', last)) {
    const end = s.indexOf(';', i);
    if (end < 0) return undefined;
    const name = s.slice(i + 1, end);
    const ch = name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : name === 'apos' ? "'" : undefined;
    if (ch === undefined) return undefined;
    out += s.slice(last, i) + ch;
    last = end + 1;
  }
  s = out + s.slice(last);
  return s;
}

/**
 * The element tree of a plain document (`xml` starts with `<`), or undefined when the
 * document needs the full parser. `maxDepth` as the full parser's limit: deeper is its to refuse.
 */
export function readPlainTree(xml: string, maxDepth: number): XmlNode | undefined {
  const n = xml.length;
  let i = 0;
  if (xml.startsWith('<?')) {
    const decl = XML_DECL.exec(xml);
    if (!decl) return undefined;
    i = decl[0].length;
  }
  while (i < n && isSpace(xml.charCodeAt(i))) i++;
  const stack: XmlNodeWritten[] = [];
  let root: XmlNode | undefined;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      // Trailing text: only whitespace may follow the root.
      for (let k = i; k < n; k++) if (!isSpace(xml.charCodeAt(k))) return undefined;
      i = n;
      break;
    }
    if (lt > i) {
      const top = stack[stack.length - 1];
      if (top) {
        const text = decodeText(xml.slice(i, lt));
        if (text === undefined) return undefined;
        top.text += text;
      } else {
        for (let k = i; k < lt; k++) if (!isSpace(xml.charCodeAt(k))) return undefined;
      }
    }
    i = lt + 1;
    let c = xml.charCodeAt(i);
    if (c === Ch.slash) {
      // </NAME ws*>
      const top = stack.pop();
      if (!top) return undefined;
      const start = i + 1;
      let j = start;
      while (j < n && isNameChar(xml.charCodeAt(j))) j++;
      if (!xml.startsWith(top.written, start) || j - start !== top.written.length) return undefined;
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      if (xml.charCodeAt(j) !== Ch.gt) return undefined;
      i = j + 1;
      continue;
    }
    if (!isNameStart(c)) return undefined; // comments, CDATA, DOCTYPE, PIs, errors
    if (root && stack.length === 0) return undefined; // a second root
    if (stack.length >= maxDepth) return undefined;
    const start = i;
    let j = i + 1;
    while (j < n && isNameChar(xml.charCodeAt(j))) j++;
    const written = xml.slice(start, j);
    // Attributes: read for well-formedness, not kept.
    let seen: string[] | undefined;
    for (;;) {
      let k = j;
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      c = xml.charCodeAt(k);
      if (c === Ch.gt || c === Ch.slash) {
        j = k;
        break;
      }
      if (k === j || !isNameStart(c)) return undefined;
      const a = k;
      while (k < n && isNameChar(xml.charCodeAt(k))) k++;
      const attr = xml.slice(a, k);
      if ((seen ??= []).includes(attr)) return undefined;
      seen.push(attr);
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      if (xml.charCodeAt(k) !== Ch.eq) return undefined;
      k++;
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      const q = xml.charCodeAt(k);
      if (q !== Ch.quot && q !== Ch.apos) return undefined;
      const close = xml.indexOf(q === Ch.quot ? '"' : "'", k + 1);
      if (close < 0) return undefined;
      const value = xml.slice(k + 1, close);
      if (value.indexOf('<') >= 0 || value.indexOf('&') >= 0 || TEXT_SPECIAL.test(value)) return undefined;
      j = close + 1;
    }
    const colon = written.indexOf(':');
    const node: XmlNodeWritten = { name: colon >= 0 ? written.slice(colon + 1) : written, children: [], text: '', written };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else root = node;
    if (xml.charCodeAt(j) === Ch.slash) {
      if (xml.charCodeAt(j + 1) !== Ch.gt) return undefined;
      i = j + 2;
    } else {
      stack.push(node);
      i = j + 1;
    }
  }
  if (!root || stack.length > 0) return undefined;
  return root;
}

/** While reading, a node also keeps its name as written, prefix included, to match its end tag. */
interface XmlNodeWritten extends XmlNode {
  written: string;
}

// HTML named entities that HIS exporters leave in claim XML text (an XML4 MO_TA pasted
// from a rich-text editor carries `&yacute;`, see standards/XML130.md §4). XML knows only
// five named entities, so without this table such a table would not parse at all.
// Latin-1 letters cover the Vietnamese base vowels; the rest are common punctuation.
export const HTML_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: '\u00A0', iexcl: '¡', cent: '¢', pound: '£', yen: '¥', sect: '§', copy: '©', laquo: '«', not: '¬', shy: '\u00AD',
  reg: '®', deg: '°', plusmn: '±', sup2: '²', sup3: '³', acute: '´', micro: 'µ', para: '¶', middot: '·', sup1: '¹',
  raquo: '»', frac14: '¼', frac12: '½', frac34: '¾', iquest: '¿', times: '×', divide: '÷',
  Agrave: 'À', Aacute: 'Á', Acirc: 'Â', Atilde: 'Ã', Auml: 'Ä', Egrave: 'È', Eacute: 'É', Ecirc: 'Ê', Euml: 'Ë',
  Igrave: 'Ì', Iacute: 'Í', Icirc: 'Î', Iuml: 'Ï', ETH: 'Ð', Ntilde: 'Ñ', Ograve: 'Ò', Oacute: 'Ó', Ocirc: 'Ô',
  Otilde: 'Õ', Ouml: 'Ö', Ugrave: 'Ù', Uacute: 'Ú', Ucirc: 'Û', Uuml: 'Ü', Yacute: 'Ý',
  agrave: 'à', aacute: 'á', acirc: 'â', atilde: 'ã', auml: 'ä', egrave: 'è', eacute: 'é', ecirc: 'ê', euml: 'ë',
  igrave: 'ì', iacute: 'í', icirc: 'î', iuml: 'ï', ntilde: 'ñ', ograve: 'ò', oacute: 'ó', ocirc: 'ô', otilde: 'õ',
  ouml: 'ö', ugrave: 'ù', uacute: 'ú', ucirc: 'û', uuml: 'ü', yacute: 'ý', yuml: 'ÿ',
  ndash: '–', mdash: '—', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', hellip: '…', permil: '‰',
  trade: '™', larr: '←', rarr: '→', uarr: '↑', darr: '↓', le: '≤', ge: '≥', ne: '≠', asymp: '≈', infin: '∞',
};

const XML_ENTITY_NAMES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** Decodes HTML named and numeric entities left as literal text inside a value (e.g. `&yacute;` after XML unescaping). */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, name: string) => {
    if (name.startsWith('#x')) return safeCodePoint(Number.parseInt(name.slice(2), 16)) ?? whole;
    if (name.startsWith('#')) return safeCodePoint(Number.parseInt(name.slice(1), 10)) ?? whole;
    // The five XML names stay: a literal `&amp;` in a value is what the sender meant.
    return HTML_ENTITIES[name] ?? whole;
  });
}

function safeCodePoint(n: number): string | undefined {
  if (!Number.isFinite(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
  return String.fromCodePoint(n);
}

const CDATA = /<!\[CDATA\[[\s\S]*?\]\]>/g;

/**
 * Before parsing: references to entities XML does not define are escaped (`&foo;` →
 * `&amp;foo;`), and so is a bare `&` that starts no reference, so the document still
 * parses; the caller decodes known names afterwards. CDATA sections are left alone.
 * Returns what was escaped, for the record's warnings.
 */
export function escapeUnknownEntityRefs(xml: string): { xml: string; escaped: string[] } {
  const escaped = new Set<string>();
  const fix = (part: string) =>
    part.replace(/&(?:(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9._-]*);)?/g, (whole, ref: string | undefined) => {
      if (ref === undefined) {
        escaped.add('&');
        return '&amp;';
      }
      if (ref.startsWith('#') || XML_ENTITY_NAMES.has(ref)) return whole;
      escaped.add(ref);
      return `&amp;${ref};`;
    });
  let out = '';
  let last = 0;
  for (const m of xml.matchAll(CDATA)) {
    out += fix(xml.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  out += fix(xml.slice(last));
  return { xml: out, escaped: [...escaped] };
}

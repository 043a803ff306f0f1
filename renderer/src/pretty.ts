// Shows a record's original bytes readably: claim XML indented, with each FILEHOSO's base64
// NOIDUNGFILE decoded into the inner XML it carries; HL7v2 one segment per line.

function indentXml(doc: Document): string {
  const out: string[] = [];
  const walk = (node: Node, depth: number) => {
    const pad = '  '.repeat(depth);
    if (node.nodeType === Node.ELEMENT_NODE) {
      const el = node as Element;
      const attrs = [...el.attributes].map((a) => ` ${a.name}="${a.value}"`).join('');
      const kids = [...el.childNodes].filter((c) => c.nodeType !== Node.TEXT_NODE || c.textContent!.trim() !== '');
      if (kids.length === 0) out.push(`${pad}<${el.tagName}${attrs}/>`);
      else if (kids.length === 1 && kids[0]!.nodeType !== Node.ELEMENT_NODE) out.push(`${pad}<${el.tagName}${attrs}>${kids[0]!.textContent!.trim()}</${el.tagName}>`);
      else {
        out.push(`${pad}<${el.tagName}${attrs}>`);
        for (const k of kids) walk(k, depth + 1);
        out.push(`${pad}</${el.tagName}>`);
      }
    } else if (node.nodeType === Node.TEXT_NODE || node.nodeType === Node.CDATA_SECTION_NODE) {
      out.push(`${pad}${node.textContent!.trim()}`);
    }
  };
  walk(doc.documentElement, 0);
  return out.join('\n');
}

function decodeBase64Utf8(b64: string): string | null {
  try {
    const bin = atob(b64.replace(/\s+/g, ''));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

export function prettyXml(text: string): string {
  const parser = new DOMParser();
  const doc = parser.parseFromString(text.replace(/^\uFEFF/, ''), 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return text;
  // Inner documents first: replace each NOIDUNGFILE's base64 by the XML it encodes.
  for (const el of [...doc.getElementsByTagName('NOIDUNGFILE')]) {
    const inner = decodeBase64Utf8(el.textContent ?? '');
    if (!inner) continue;
    const innerDoc = parser.parseFromString(inner.replace(/^\uFEFF/, ''), 'application/xml');
    if (innerDoc.getElementsByTagName('parsererror').length) continue;
    el.textContent = '';
    el.appendChild(doc.importNode(innerDoc.documentElement, true));
  }
  return indentXml(doc);
}

export function prettyRaw(format: string, raw: string): string {
  if (format === 'hl7v2') return raw.replace(/\r\n?/g, '\n').trim();
  return raw.trimStart().startsWith('<') ? prettyXml(raw) : raw;
}

// Building the stored form of one record (what hosoToXml writes) from inner XML documents:
// used by the record generator and by tests that write a table by hand.
import { hosoToXml, type FileHoso } from './envelope.js';

/** Inner documents by LOAIHOSO (XML1 …), in the order given. */
export type InnerDocuments = ReadonlyArray<readonly [loaiHoso: string, innerXml: string | Uint8Array]>;

export function fileHoso(loaiHoso: string, innerXml: string | Uint8Array): FileHoso {
  const bytes = typeof innerXml === 'string' ? Buffer.from(innerXml, 'utf8') : Buffer.from(innerXml);
  return { loaiHoso, noiDungFile: bytes.toString('base64') };
}

export function storedHosoXml(docs: InnerDocuments, maCskcb?: string): string {
  return hosoToXml({ files: docs.map(([loai, xml]) => fileHoso(loai, xml)) }, maCskcb ? { maCskcb } : {});
}

/** A flat inner element list (`<NAME>value</NAME>`…), escaping text; undefined values are left out. */
export function xmlElements(fields: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(fields)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => (v === '' ? `<${k}/>` : `<${k}>${escapeXmlText(v)}</${k}>`))
    .join('');
}

function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

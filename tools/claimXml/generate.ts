// Generated claim records: valid GIAMDINHHS envelopes with realistic, invented values, for
// tests of scale, benchmarks and the demo. Deterministic: record i of a seed is always the
// same, whichever file it lands in (so files can be written in any batch size).
import { hosoToXml } from '../../connectors/formats/xml130/envelope/envelope.js';
import { generateRecordDocuments, type GenerateOptions } from './generateRecord.js';
import { fileHoso } from '../../connectors/formats/xml130/envelope/storedForm.js';

export { GENERATED_TABLES, generateRecordDocuments, type GenerateOptions } from './generateRecord.js';

function recordIndexes(opts: GenerateOptions): number[] {
  if (!Number.isInteger(opts.records) || opts.records < 0) throw new RangeError(`records must be a whole number ≥ 0, got ${opts.records}`);
  const first = opts.firstRecord ?? 0;
  return Array.from({ length: opts.records }, (_, i) => first + i);
}

/** Each record in its stored form (hosoToXml), ready for convertClaimRecord: what a conversion benchmark needs. */
export function generateStoredRecords(opts: GenerateOptions): string[] {
  const facility = opts.facilityCode ?? '94170';
  return recordIndexes(opts).map((i) => hosoToXml({ files: generateRecordDocuments(opts.seed, i, opts).map(([t, x]) => fileHoso(t, x)) }, { maCskcb: facility }));
}

/** One GIAMDINHHS envelope holding `records` HOSO, as the HIS would export it. */
export function generateEnvelope(opts: GenerateOptions): string {
  const facility = opts.facilityCode ?? '94170';
  const hoso: string[] = [];
  let lastDay = '20260101';
  for (const i of recordIndexes(opts)) {
    const docs = generateRecordDocuments(opts.seed, i, opts);
    const ngayRa = /<NGAY_RA>(\d{8})/.exec(String(docs[0]![1]))?.[1];
    if (ngayRa && ngayRa > lastDay) lastDay = ngayRa;
    hoso.push(hosoToXml({ files: docs.map(([t, x]) => fileHoso(t, x)) }));
  }
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
    `<THONGTINDONVI><MACSKCB>${facility}</MACSKCB></THONGTINDONVI>` +
    `<THONGTINHOSO><NGAYLAP>${lastDay}</NGAYLAP><SOLUONGHOSO>${hoso.length}</SOLUONGHOSO><DANHSACHHOSO>${hoso.join('')}</DANHSACHHOSO></THONGTINHOSO>` +
    '<CHUKYDONVI/></GIAMDINHHS>'
  );
}

/** `records` HOSO split into envelopes of at most `hosoPerFile` each. */
export function generateEnvelopes(opts: GenerateOptions & { hosoPerFile: number }): string[] {
  const per = Math.max(1, Math.floor(opts.hosoPerFile));
  const first = opts.firstRecord ?? 0;
  const out: string[] = [];
  for (let start = 0; start < opts.records; start += per) {
    out.push(generateEnvelope({ ...opts, records: Math.min(per, opts.records - start), firstRecord: first + start }));
  }
  return out;
}

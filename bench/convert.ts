// Conversion speed of claim XML: streaming split alone, split + convert, and split + convert
// + base R4 validation, over the same bytes in one run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { splitEnvelope, hosoToXml } from '../connectors/formats/xml130/envelope.js';
import { convertClaimRecord } from '../connectors/formats/xml130/convert.js';
import { defaultProfilePack } from '../connectors/profile-pack/index.js';
import { ensureR4DefinitionsLoaded, validateR4 } from '../connectors/fhir/validator.js';
import { PACKAGE_ROOT } from '../main/paths.js';
import { printFigures, seconds } from './support.js';

/** An envelope holding `copies` of each sample HOSO (real-shaped records, 5–8 tables each). */
function sampleEnvelope(copies: number): Buffer {
  const dir = join(PACKAGE_ROOT, 'test', 'fixtures', 'xml130');
  const hosos = ['outpatient-visit.xml', 'inpatient-delivery.xml', 'inpatient-bom-cdata-xml5.xml'].map((f) => {
    const xml = readFileSync(join(dir, f), 'utf8');
    return xml.slice(xml.indexOf('<HOSO>'), xml.lastIndexOf('</HOSO>') + 7);
  });
  const body = Array.from({ length: copies }, () => hosos.join('')).join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>94170</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20260223</NGAYLAP><SOLUONGHOSO>${copies * 3}</SOLUONGHOSO><DANHSACHHOSO>${body}</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>`,
  );
}

async function pass(bytes: Buffer, work: (storedHoso: string) => void): Promise<{ records: number; secs: number }> {
  const start = process.hrtime.bigint();
  let records = 0;
  let header = {};
  for await (const ev of splitEnvelope(Readable.from([bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)]))) {
    if (ev.kind === 'header') header = ev.header;
    else {
      records++;
      work(hosoToXml(ev.hoso, header));
    }
  }
  return { records, secs: seconds(start) };
}

export async function run(): Promise<void> {
  const bytes = sampleEnvelope(200);
  const ctx = { facilityCode: '94170', now: new Date(), profilePack: defaultProfilePack() };
  ensureR4DefinitionsLoaded();
  let resources = 0;
  await pass(bytes, (h) => void convertClaimRecord(h, ctx)); // warm-up
  const split = await pass(bytes, () => {});
  const convert = await pass(bytes, (h) => {
    const o = convertClaimRecord(h, ctx);
    if (o.ok) resources += o.bundle.entry?.length ?? 0;
  });
  let invalid = 0;
  const full = await pass(bytes, (h) => {
    const o = convertClaimRecord(h, ctx);
    if (o.ok && validateR4(o.bundle).some((i) => i.severity === 'error')) invalid++;
  });
  const rate = (p: { records: number; secs: number }) => p.records / p.secs;
  printFigures(`claim XML convert (${split.records} records, ${(bytes.length / 1e6).toFixed(1)} MB, ${(resources / convert.records).toFixed(1)} resources/record)`, [
    { name: 'streaming split only', value: rate(split), unit: 'records/s', note: `${(bytes.length / 1e6 / split.secs).toFixed(1)} MB/s` },
    { name: 'split + convert', value: rate(convert), unit: 'records/s', note: `${((rate(convert) / rate(split)) * 100).toFixed(0)} % of split-only` },
    { name: 'split + convert + R4 validation', value: rate(full), unit: 'records/s', note: `${invalid} invalid` },
    { name: 'validation cost per record', value: (full.secs - convert.secs) * 1000 / full.records, unit: 'ms' },
  ]);
}

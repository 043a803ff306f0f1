// Claim-XML conversion speed on one core: records with ≈60 drug/service lines, through the
// streaming split alone (the raw parse of the same bytes), split + convert, and split +
// convert + base R4 validation — all in the same run, so the ratios hold on any machine.
import { Readable } from 'node:stream';
import { splitEnvelope, hosoToXml } from '../connectors/formats/xml130/envelope/envelope.js';
import { convertClaimRecord } from '../connectors/formats/xml130/convert.js';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { defaultProfilePack } from '../connectors/profile-pack/index.js';
import { ensureR4DefinitionsLoaded, validateR4 } from '../connectors/fhir/validator.js';
import { printFigures, seconds } from './support.js';

async function pass(bytes: Buffer, work: (storedHoso: string) => void): Promise<{ records: number; secs: number }> {
  const start = process.hrtime.bigint();
  let records = 0;
  let header = {};
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 1 << 20) chunks.push(bytes.subarray(i, i + (1 << 20)));
  for await (const ev of splitEnvelope(Readable.from(chunks))) {
    if (ev.kind === 'header') header = ev.header;
    else {
      records++;
      work(hosoToXml(ev.hoso, header));
    }
  }
  return { records, secs: seconds(start) };
}

export async function run(records = 300, lines = 60): Promise<void> {
  const bytes = Buffer.from(generateEnvelope({ records, seed: 7, lines }));
  const ctx = { facilityCode: '94170', now: new Date(), profilePack: defaultProfilePack() };
  ensureR4DefinitionsLoaded();
  await pass(bytes.subarray(0, bytes.length), (h) => void convertClaimRecord(h, ctx)); // warm-up
  let resources = 0;
  const split = await pass(bytes, () => {});
  const convert = await pass(bytes, (h) => {
    const o = convertClaimRecord(h, ctx);
    if (o.ok) resources += o.bundle.entry?.length ?? 0;
  });
  let invalid = 0;
  const full = await pass(bytes, (h) => {
    const o = convertClaimRecord(h, ctx);
    if (!o.ok || validateR4(o.bundle).some((i) => i.severity === 'error')) invalid++;
  });
  const rate = (p: { records: number; secs: number }) => p.records / p.secs;
  printFigures(`claim XML convert, one core (${split.records} records × ${lines} lines, ${(bytes.length / 1e6).toFixed(1)} MB, ${(resources / convert.records).toFixed(0)} resources/record)`, [
    { name: 'raw streaming parse (split only)', value: rate(split), unit: 'records/s', note: `${(bytes.length / 1e6 / split.secs).toFixed(1)} MB/s` },
    { name: 'split + convert', value: rate(convert), unit: 'records/s', note: `${((rate(convert) / rate(split)) * 100).toFixed(1)} % of the raw parse` },
    { name: 'split + convert + R4 validation', value: rate(full), unit: 'records/s', note: `${invalid} invalid` },
    { name: 'conversion per record', value: ((convert.secs - split.secs) * 1000) / convert.records, unit: 'ms' },
    { name: 'validation per record', value: ((full.secs - convert.secs) * 1000) / full.records, unit: 'ms' },
  ]);
}

// Child process of bench/bigFile.ts: converts the records of one claim file the way the agent
// does (main/engine: convertRecord on a conversion thread, given the stored form of the record
// as bytes, as the agent reads it from the store; validation on or off) and prints its figures
// as one JSON line: the peak RSS of the whole process (threads included) and the baseline, the
// same process before the file. Meant for a file of one record: the records are read first.
import { createReadStream } from 'node:fs';
import { ConversionEngine } from '../main/engine/pool.js';
import { splitEnvelope, type EnvelopeHeader } from '../connectors/formats/xml130/envelope/envelope.js';
import { storedRecordBytes } from '../connectors/sources/folder/storedRecord.js';
import { generateStoredRecords } from '../tools/claimXml/generate.js';
import { peakRssKiB } from './peakMemory.js';

const [file, validateArg] = process.argv.slice(2) as [string, string | undefined];
const validate = validateArg === 'validate';
const engine = new ConversionEngine({ threads: 1, validates: validate });
try {
  // A small record first: the thread is started and its code loaded before the baseline.
  const [warm] = generateStoredRecords({ records: 1, seed: 1, lines: 5 });
  const warmed = await engine.convert({ format: 'xml130', raw: Buffer.from(warm!, 'utf8'), facilityCode: '94170', now: new Date(), validate });
  if (!warmed.ok) throw new Error(`warm-up record did not convert: ${warmed.message}`);
  const baselineKiB = peakRssKiB().kib;
  const start = process.hrtime.bigint();
  let header: EnvelopeHeader = {};
  // Each record's stored bytes, built from its pieces (never as one string): what the agent's
  // main thread holds when it hands a record read from the store to a conversion thread.
  const records: Buffer[] = [];
  for await (const ev of splitEnvelope(createReadStream(file, { highWaterMark: 256 * 1024 }))) {
    if (ev.kind === 'header') header = ev.header;
    else {
      const raw = storedRecordBytes(ev.hoso, header);
      records.push(Buffer.isBuffer(raw) ? raw : Buffer.concat(Array.from(raw.chunks(), (c) => Buffer.from(c))));
    }
  }
  const results: { ok: boolean; entries: number; bundleBytes: number; code?: string }[] = [];
  while (records.length) {
    const raw = records.shift()!;
    const r = await engine.convert({ format: 'xml130', raw, facilityCode: header.maCskcb ?? '00000', now: new Date(), validate });
    results.push(r.ok ? { ok: true, entries: r.entryCount, bundleBytes: r.bundle.length } : { ok: false, entries: 0, bundleBytes: 0, code: r.code });
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ results, secs, baselineKiB, maxRssKiB: peakRssKiB().kib, peakSource: peakRssKiB().source }) + '\n');
} finally {
  await engine.close();
}

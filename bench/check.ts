// Pre-submission check speed (`vhr-agent check`) on generated exports: the raw streaming parse
// of the bytes alone, then the same bytes parsed and checked record by record (every rule,
// every table) — one core, same run, so the ratio holds on any machine.
import { Readable } from 'node:stream';
import type { FileHoso } from '../connectors/formats/xml130/envelope/envelope.js';
import { splitEnvelope } from '../connectors/formats/xml130/envelope/envelope.js';
import { checkClaimRecord } from '../connectors/formats/xml130/checks/engine.js';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { printFigures, seconds } from './support.js';

/** Wall seconds and CPU seconds of this process (on a shared, loaded machine the CPU figure is the steadier one). */
async function pass(bytes: Buffer, work: (files: FileHoso[]) => void): Promise<{ records: number; secs: number; cpuSecs: number }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let records = 0;
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 1 << 20) chunks.push(bytes.subarray(i, i + (1 << 20)));
  for await (const ev of splitEnvelope(Readable.from(chunks))) {
    if (ev.kind !== 'hoso') continue;
    records++;
    work(ev.hoso.files);
  }
  const used = process.cpuUsage(cpu);
  return { records, secs: seconds(start), cpuSecs: (used.user + used.system) / 1e6 };
}

export async function run(records = Number(process.env.VHR_BENCH_CHECK_RECORDS ?? 2000), lines = 30): Promise<void> {
  const bytes = Buffer.from(generateEnvelope({ records, seed: 5, lines }));
  await pass(Buffer.from(generateEnvelope({ records: 200, seed: 6, lines })), (f) => void checkClaimRecord(f)); // warm-up
  const parse = await pass(bytes, () => {});
  let findings = 0;
  const check = await pass(bytes, (f) => {
    findings += checkClaimRecord(f).findings.length;
  });
  const mib = bytes.length / 1024 ** 2;
  printFigures(`claim checks on ${records.toLocaleString('en-US')} generated records × ${lines} lines (${mib.toFixed(1)} MiB), one core`, [
    { name: 'raw streaming parse (split only)', value: parse.records / parse.secs, unit: 'records/s', note: `${(mib / parse.secs).toFixed(1)} MiB/s` },
    { name: 'parse + check (every rule, every table)', value: check.records / check.secs, unit: 'records/s', note: `${(mib / check.secs).toFixed(1)} MiB/s, ${findings} findings` },
    { name: 'parse + check, per CPU second', value: check.records / check.cpuSecs, unit: 'records/s', note: `raw parse ${(parse.records / parse.cpuSecs).toFixed(0)} records per CPU second` },
    { name: 'a month of 30,000 records would take', value: (30_000 * check.secs) / check.records, unit: 's', note: `${((30_000 * check.cpuSecs) / check.records).toFixed(0)} s of CPU` },
  ]);
}

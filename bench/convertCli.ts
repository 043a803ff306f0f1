// `vhr-agent convert` as an operator runs it: the whole process (start, threads, output to a
// file) on 600 records of 60 lines, next to a raw streaming parse of the same bytes in the
// same run, so the ratio holds on any machine; then the peak RSS of convert on one very large
// record (6,000 lines ≈ 11 MiB by default; VHR_BENCH_BIG_RECORD_LINES=110000 gives ≈ 200 MiB, which
// today needs several GiB: conversion holds the whole record's tables and bundle in memory).
// The process converts on the conversion engine's threads (main/engine).
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitEnvelope, hosoToXml, type EnvelopeHeader } from '../connectors/formats/xml130/envelope/envelope.js';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { tempDir } from '../test/support/tempDir.js';
import { printFigures, seconds } from './support.js';

const MEASURED_CLI = fileURLToPath(new URL('./measuredCli.js', import.meta.url));

/** The raw streaming parse: the envelope split and each record's stored form, nothing else. */
async function rawParse(file: string): Promise<{ records: number; secs: number }> {
  const start = process.hrtime.bigint();
  let records = 0;
  let header: EnvelopeHeader = {};
  for await (const ev of splitEnvelope(createReadStream(file))) {
    if (ev.kind === 'header') header = ev.header;
    else if (hosoToXml(ev.hoso, header).length > 0) records++;
  }
  return { records, secs: seconds(start) };
}

function convertProcess(file: string, dir: string): { secs: number; cpuSecs: number; maxRssMiB: number; lines: number; rejected: number } {
  const rssFile = join(dir, 'rss');
  const outFile = join(dir, 'out.ndjson');
  const start = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${MEASURED_CLI}" convert "${file}" > "${outFile}"`], {
    env: { ...process.env, VHR_BENCH_RSS_OUT: rssFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const secs = seconds(start);
  if (r.status !== 0 && r.status !== 1) throw new Error(`convert failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  let lines = 0;
  const out = readFileSync(outFile);
  for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) lines++;
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; cpuMicros: number };
  return { secs, cpuSecs: usage.cpuMicros / 1e6, maxRssMiB: usage.maxRssKiB / 1024, lines, rejected: r.stderr.split('\n').filter(Boolean).length };
}

export async function run(records = 600, lines = 60, bigRecordLines = Number(process.env.VHR_BENCH_BIG_RECORD_LINES ?? 6_000)): Promise<void> {
  const tmp = tempDir('vhr-bench-convert-');
  try {
    const file = join(tmp.path, 'claims.xml');
    writeFileSync(file, generateEnvelope({ records, seed: 7, lines }));
    const size = readFileSync(file).length;
    await rawParse(file); // warm-up
    const raw = await rawParse(file);
    const conv = convertProcess(file, tmp.path);
    printFigures(`vhr-agent convert, whole process (${records} records × ${lines} lines, ${(size / 1e6).toFixed(1)} MB)`, [
      { name: 'raw streaming parse of the same bytes', value: raw.records / raw.secs, unit: 'records/s' },
      { name: 'convert, whole process', value: records / conv.secs, unit: 'records/s', note: `${(records / conv.secs / (raw.records / raw.secs)).toFixed(2)} × the raw parse; ${conv.lines} bundles, ${conv.rejected} rejected` },
      { name: 'convert CPU time per record (all threads)', value: (conv.cpuSecs * 1000) / records, unit: 'ms', note: `${(conv.cpuSecs / conv.secs).toFixed(2)} cores busy on average` },
      { name: 'convert peak RSS', value: conv.maxRssMiB, unit: 'MiB' },
    ]);

    const big = join(tmp.path, 'big-record.xml');
    writeFileSync(big, generateEnvelope({ records: 1, seed: 9, lines: bigRecordLines }));
    const bigSize = readFileSync(big).length;
    const one = convertProcess(big, tmp.path);
    printFigures(`vhr-agent convert on one record of ${bigRecordLines.toLocaleString('en-US')} lines (${(bigSize / 1024 ** 2).toFixed(0)} MiB)`, [
      { name: 'peak RSS of the convert process', value: one.maxRssMiB, unit: 'MiB', note: `${(one.maxRssMiB / (bigSize / 1024 ** 2)).toFixed(1)} × the record` },
      { name: 'time', value: one.secs, unit: 's', note: `${one.lines} bundle(s), ${one.rejected} rejected` },
    ]);
  } finally {
    tmp.cleanup();
  }
}

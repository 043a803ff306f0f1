// Peak memory while ingesting one very large claim file (1 GB by default): the envelope is
// streamed, one HOSO at a time, and committed in batches. The intake runs in a child process
// so that its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { tempDir } from '../test/support/tempDir.js';
import { printFigures } from './support.js';

/** Writes an envelope of at least `targetBytes` from unique generated records, streaming. */
async function writeBigEnvelope(path: string, targetBytes: number): Promise<{ records: number; bytes: number }> {
  const out = createWriteStream(path);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', () => resolve())));
  await write('<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>94170</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20260301</NGAYLAP><SOLUONGHOSO>0</SOLUONGHOSO><DANHSACHHOSO>');
  let bytes = 0;
  let records = 0;
  const BATCH = 200;
  while (bytes < targetBytes) {
    const env = generateEnvelope({ records: BATCH, seed: 11, firstRecord: records, lines: 60 });
    const body = env.slice(env.indexOf('<DANHSACHHOSO>') + 14, env.lastIndexOf('</DANHSACHHOSO>'));
    await write(body);
    bytes += body.length;
    records += BATCH;
  }
  await write('</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>');
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return { records, bytes: statSync(path).size };
}

export async function run(targetBytes = Number(process.env.VHR_BENCH_BIGFILE_BYTES ?? 1024 ** 3)): Promise<void> {
  const tmp = tempDir('vhr-bench-big-');
  try {
    const file = join(tmp.path, 'big.xml');
    const { records, bytes } = await writeBigEnvelope(file, targetBytes);
    const child = fileURLToPath(new URL('./bigFileIntake.js', import.meta.url));
    const r = spawnSync(process.execPath, [child, file, join(tmp.path, 'data')], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`intake failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { records: number; secs: number; maxRssKiB: number; heapUsedMiB: number };
    printFigures(`one ${(bytes / 1024 ** 3).toFixed(2)} GiB claim file, ${records.toLocaleString('en-US')} records × 60 lines, streamed into the store (encrypted)`, [
      { name: 'records committed', value: m.records, unit: 'records' },
      { name: 'intake rate', value: m.records / m.secs, unit: 'records/s', note: `${(bytes / 1024 ** 2 / m.secs).toFixed(1)} MiB/s, ${m.secs.toFixed(1)} s` },
      { name: 'peak RSS of the intake process', value: m.maxRssKiB / 1024, unit: 'MiB' },
      { name: 'heap in use at the end', value: m.heapUsedMiB, unit: 'MiB' },
    ]);
  } finally {
    tmp.cleanup();
  }
}

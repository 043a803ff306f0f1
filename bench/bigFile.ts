// Peak memory with very large claim input (issue: bounded memory), each measured in a child
// process so that its peak RSS is its own (the kernel's VmHWM, see peakMemory.ts), beside the
// baseline of the same process before the work (modules loaded, store open or thread warm):
//   (a) one 1 GiB claim file of many records, streamed into an encrypted store: bound < 300 MiB;
//   (b) ONE record of about 200 MiB (huge inner tables) through the same intake: bound, above
//       the baseline, < 2 × the record;
//   (c) converting that record on the engine (main/engine, on a conversion thread): what the
//       agent would need, were the record under conversion.maxRecordMiB (default 32 MiB; over it
//       the agent leaves the record unconverted, invalid with its size, rather than risk memory).
// VHR_BENCH_BIGFILE_BYTES sets the size of (a) (0 leaves it out); VHR_BENCH_BIG_RECORD_LINES the
// lines of the record of (b) and (c) (110,000 ≈ 200 MiB); VHR_BENCH_BIG_RECORD_VALIDATE=1
// validates in (c) too, as the agent does (slower; `vhr-agent convert` does not).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { tempDir } from '../test/support/tempDir.js';
import { printFigures, type Figure } from './support.js';

const MiB = 1024 ** 2;
const FILE_BOUND_MIB = 300;
const RECORD_BOUND_RATIO = 2;

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

interface Measured {
  baselineKiB: number;
  maxRssKiB: number;
  /** Where the peak was read: VmHWM (the process's own), or maxRSS where /proc is missing. */
  peakSource: string;
  secs: number;
}

/** Runs a bench child (built, beside this module) and returns its last JSON line. */
function runChild<T extends Measured>(script: string, args: string[]): T {
  const child = fileURLToPath(new URL(script, import.meta.url));
  const r = spawnSync(process.execPath, [child, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 4000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/** Baseline, peak and what the work added, against a bound when there is one. */
function memoryFigures(m: Measured, bound: { recordBytes?: number; peakMiB?: number }): Figure[] {
  const baseline = m.baselineKiB / 1024;
  const peak = m.maxRssKiB / 1024;
  const added = peak - baseline;
  const figures: Figure[] = [{ name: 'baseline RSS (the same process before the work)', value: baseline, unit: 'MiB' }];
  const name = `peak RSS (${m.peakSource})`;
  if (bound.peakMiB !== undefined) {
    figures.push({ name, value: peak, unit: 'MiB', note: `${added.toFixed(0)} MiB above the baseline; bound < ${bound.peakMiB} MiB: ${peak < bound.peakMiB ? 'met' : 'NOT met'}` });
  } else {
    figures.push({ name, value: peak, unit: 'MiB', note: `${added.toFixed(0)} MiB above the baseline` });
  }
  if (bound.recordBytes !== undefined) {
    const ratio = (added * MiB) / bound.recordBytes;
    figures.push({
      name: 'peak above the baseline ÷ the record',
      value: ratio,
      unit: '×',
      note: `bound < ${RECORD_BOUND_RATIO} ×: ${ratio < RECORD_BOUND_RATIO ? 'met' : 'NOT met'}; whole peak ÷ record ${((peak * MiB) / bound.recordBytes).toFixed(2)} ×`,
    });
  }
  return figures;
}

async function bigFile(dir: string, targetBytes: number): Promise<void> {
  const file = join(dir, 'big.xml');
  const { records, bytes } = await writeBigEnvelope(file, targetBytes);
  const m = runChild<Measured & { records: number; received: number; outcome: string }>('./bigFileIntake.js', [file, join(dir, 'data-file')]);
  if (m.outcome !== 'done' || m.records !== records) throw new Error(`intake of the big file: ${m.outcome}, ${m.records} of ${records} records`);
  printFigures(`(a) one ${(bytes / 1024 ** 3).toFixed(2)} GiB claim file, ${records.toLocaleString('en-US')} records × 60 lines, streamed into the store (encrypted)`, [
    { name: 'records committed', value: m.records, unit: 'records' },
    { name: 'intake rate', value: m.records / m.secs, unit: 'records/s', note: `${(bytes / MiB / m.secs).toFixed(1)} MiB/s, ${m.secs.toFixed(1)} s` },
    ...memoryFigures(m, { peakMiB: FILE_BOUND_MIB }),
  ]);
}

async function bigRecord(dir: string, lines: number, validate: boolean): Promise<void> {
  const file = join(dir, 'big-record.xml');
  writeFileSync(file, generateEnvelope({ records: 1, seed: 9, lines }));
  const bytes = statSync(file).size;
  const size = `${(bytes / MiB).toFixed(0)} MiB`;

  const intake = runChild<Measured & { records: number; outcome: string }>('./bigFileIntake.js', [file, join(dir, 'data-record')]);
  if (intake.outcome !== 'done' || intake.records !== 1) throw new Error(`intake of the big record: ${intake.outcome}, ${intake.records} record(s)`);
  printFigures(`(b) ONE record of ${lines.toLocaleString('en-US')} lines (${size}), through the folder intake into the store (raw kept, encrypted)`, [
    { name: 'time', value: intake.secs, unit: 's', note: `${(bytes / MiB / intake.secs).toFixed(1)} MiB/s` },
    ...memoryFigures(intake, { recordBytes: bytes }),
  ]);

  type Converted = Measured & { results: { ok: boolean; entries: number; bundleBytes: number; code?: string }[] };
  const conv = runChild<Converted>('./bigRecordConvert.js', [file, validate ? 'validate' : 'convert']);
  const r = conv.results[0];
  const outcome = !r ? 'no record read' : r.ok ? `${r.entries.toLocaleString('en-US')} entries, bundle ${(r.bundleBytes / MiB).toFixed(0)} MiB` : `not converted: ${r.code}`;
  printFigures(`(c) converting that record on the engine (one conversion thread${validate ? ', validated' : ', not validated'}; the agent by default leaves records over 32 MiB unconverted)`, [
    { name: 'time', value: conv.secs, unit: 's', note: outcome },
    ...memoryFigures(conv, { recordBytes: bytes }),
  ]);
}

export async function run(
  targetBytes = Number(process.env.VHR_BENCH_BIGFILE_BYTES ?? 1024 ** 3),
  recordLines = Number(process.env.VHR_BENCH_BIG_RECORD_LINES ?? 110_000),
  validate = process.env.VHR_BENCH_BIG_RECORD_VALIDATE === '1',
): Promise<void> {
  const tmp = tempDir('vhr-bench-big-');
  try {
    mkdirSync(join(tmp.path, 'work'));
    if (targetBytes > 0) await bigFile(join(tmp.path, 'work'), targetBytes);
    if (recordLines > 0) await bigRecord(join(tmp.path, 'work'), recordLines, validate);
  } finally {
    tmp.cleanup();
  }
}

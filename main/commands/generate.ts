// `vhr-agent generate`: realistic claim-XML envelopes (valid, de-identified, deterministic for
// a seed) for tests, benchmarks and the demo.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { defineCommand, UsageError, wholeNumber } from './command.js';

export interface GenerateOptions {
  records: number;
  outDir: string;
  perFile: number;
  seed: number;
  tables?: string[];
  facilityCode?: string;
  /** Drug and service lines per record (default 3–12, chosen per record); large values make the largest records. */
  lines?: number;
}

/** Writes the envelopes (each via a temporary name, so a watcher never sees half a file); returns their names. */
export function writeGeneratedEnvelopes(opts: GenerateOptions): string[] {
  mkdirSync(opts.outDir, { recursive: true });
  const perFile = Math.max(1, Math.floor(opts.perFile));
  const names: string[] = [];
  for (let start = 0, n = 0; start < opts.records; start += perFile, n++) {
    const count = Math.min(perFile, opts.records - start);
    const xml = generateEnvelope({ records: count, seed: opts.seed, firstRecord: start, tables: opts.tables, facilityCode: opts.facilityCode, lines: opts.lines });
    const name = `generated-${String(opts.seed)}-${String(n + 1).padStart(5, '0')}.xml`;
    writeFileSync(join(opts.outDir, `${name}.tmp`), xml);
    renameSync(join(opts.outDir, `${name}.tmp`), join(opts.outDir, name));
    names.push(name);
  }
  return names;
}

export async function generateFiles(opts: GenerateOptions): Promise<number> {
  const names = writeGeneratedEnvelopes(opts);
  process.stdout.write(`vhr-agent generate: ${opts.records} record(s) in ${names.length} file(s) under ${opts.outDir}\n`);
  return 0;
}

export const command = defineCommand({
  name: 'generate',
  summary: 'write realistic, de-identified claim-XML envelopes for tests and demos',
  usage: '--records N --out DIR [--per-file N] [--seed N] [--tables XML1,XML2,…] [--lines N]',
  options: {
    records: { type: 'string', value: 'N', description: 'how many records (HOSO)' },
    out: { type: 'string', value: 'DIR', description: 'folder the envelopes are written to' },
    'per-file': { type: 'string', value: 'N', description: 'records per envelope file (default 1)' },
    seed: { type: 'string', value: 'N', description: 'same seed, same records (default 1)' },
    tables: { type: 'string', value: 'XML1,XML2,…', description: 'the tables each record carries (default: all)' },
    lines: { type: 'string', value: 'N', description: 'drug and service lines per record, 1–5000 (500 makes records of 1,000+ FHIR entries)' },
  },
  run: ({ values }) => {
    const records = Number(values.records);
    if (!Number.isSafeInteger(records) || records < 1) throw new UsageError('generate needs --records N (N ≥ 1)');
    if (typeof values.out !== 'string') throw new UsageError('generate needs --out DIR');
    const lines = wholeNumber(values.lines, 'lines', 1);
    if (lines !== undefined && lines > 5000) throw new UsageError('generate --lines needs N from 1 to 5000');
    return generateFiles({
      records,
      outDir: resolve(values.out),
      perFile: wholeNumber(values['per-file'], 'per-file', 1) ?? 1,
      seed: wholeNumber(values.seed, 'seed', 0) ?? 1,
      tables: values.tables?.split(',').map((t) => t.trim().toUpperCase()),
      ...(lines !== undefined ? { lines } : {}),
    });
  },
});

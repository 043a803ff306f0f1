// `vhr-agent generate`: realistic claim-XML envelopes (valid, de-identified, deterministic for
// a seed) for tests, benchmarks and the demo.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelope } from '../../connectors/formats/xml130/generate.js';

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

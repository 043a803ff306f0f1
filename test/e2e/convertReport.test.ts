// `vhr-agent convert --report` (additive to the DESIGN §10 contract): bundles stay alone on
// stdout; each converted record's warnings and unmapped fields go to stderr as JSON lines.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { tempDir } from '../support/tempDir.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'main', 'cli.js');
const SAMPLES = join(PACKAGE_ROOT, '../shared/samples/hl7v2');
if (!existsSync(SAMPLES)) throw new Error(`HL7v2 samples not found at ${SAMPLES}: the shared folder must sit next to the repository`);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('vhr-agent convert --report', () => {
  it('prints each record\'s warnings and unmapped fields on stderr, bundles unchanged on stdout', () => {
    const files = ['ADT-A01-01.hl7', 'lfh-sample_unix.hl7'].map((f) => join(SAMPLES, f));
    const plain = cli(['convert', ...files]);
    const out = cli(['convert', '--report', ...files]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(plain.stdout);
    expect(plain.stderr).toBe('');
    const reports = lines(out.stderr).map((l) => JSON.parse(l) as { file: string; record: number; naturalKey: string; warnings: Array<{ code: string }>; notMapped: string[]; code?: string });
    expect(reports.map((r) => [r.file, r.record, r.naturalKey, r.code])).toEqual([
      [files[0], 1, 'MSG00001', undefined],
      [files[1], 1, '102', undefined],
    ]);
    expect(reports[0]!.notMapped).toEqual(expect.arrayContaining(['SFT', 'PID-10']));
    expect(reports[1]!.warnings.map((w) => w.code)).toContain('HL7V2_ENCODING_CHARACTERS_REPAIRED');
  });

  it('keeps rejection lines in their contract shape alongside the reports', () => {
    const dir = tempDir();
    try {
      const ack = join(dir.path, 'ack.hl7');
      writeFileSync(ack, 'MSH|^~\\&|LAB|BV01|HIS|BV01|20260301083000||ACK^A01|A1|P|2.5\rMSA|AA|VN-1\r');
      const out = cli(['convert', '--report', join(SAMPLES, 'ADT-A01-01.hl7'), ack]);
      expect(out.code).toBe(1);
      const [report, rejection] = lines(out.stderr).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(Object.keys(report!).sort()).toEqual(['file', 'naturalKey', 'notMapped', 'record', 'warnings']);
      expect(rejection).toEqual({ file: ack, record: 1, code: 'HL7V2_UNSUPPORTED_MESSAGE', message: expect.stringContaining('ACK^A01') });
    } finally {
      dir.cleanup();
    }
  });
});

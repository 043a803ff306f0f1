// `vhr-agent convert` on the public samples, converting on the engine's threads, prints exactly
// what the converters give one record after another in-process: same bundles, same order,
// same rejections, same exit code (DESIGN §10).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { splitEnvelope, hosoToXml, EnvelopeError, type EnvelopeHeader } from '../../connectors/formats/xml130/envelope/envelope.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { convertHl7v2Message } from '../../connectors/formats/hl7v2/convert.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertOutcome } from '../../connectors/formats/types.js';
import { tempDir } from '../support/tempDir.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'main', 'cli.js');
const SAMPLES = join(PACKAGE_ROOT, '..', 'shared', 'samples');

/** Bundle.timestamp is the conversion instant: the one field two runs may differ in. */
const withoutTimestamp = (json: string) => json.replace(/"timestamp":"[^"]*",/, '');

async function sequential(file: string, format: 'xml130' | 'hl7v2'): Promise<{ stdout: string[]; stderr: string[] }> {
  const profilePack = defaultProfilePack();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const put = (record: number, o: ConvertOutcome) => {
    if (o.ok) stdout.push(withoutTimestamp(JSON.stringify(o.bundle)));
    else stderr.push(JSON.stringify({ file, record, code: o.code, message: o.message }));
  };
  if (format === 'hl7v2') {
    splitHl7File(readFileSync(file)).forEach((m, i) => put(i + 1, convertHl7v2Message(m, { facilityCode: '00000', now: new Date(), profilePack })));
    return { stdout, stderr };
  }
  let header: EnvelopeHeader = {};
  let read = 0;
  try {
    for await (const ev of splitEnvelope(createReadStream(file))) {
      if (ev.kind === 'header') header = ev.header;
      else {
        read = ev.hoso.index + 1;
        put(read, convertClaimRecord(hosoToXml(ev.hoso, header), { facilityCode: header.maCskcb ?? '00000', now: new Date(), profilePack }));
      }
    }
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
    stderr.push(JSON.stringify({ file, record: null, code: err.code, message: `${err.message}${err.line ? ` (line ${err.line})` : ''}; ${read} record(s) before it were read` }));
  }
  return { stdout, stderr };
}

describe('vhr-agent convert on the engine', () => {
  if (!existsSync(SAMPLES)) throw new Error(`the public samples are missing: expected them at ${SAMPLES}`);
  const files: { format: 'xml130' | 'hl7v2'; path: string }[] = (['xml130', 'hl7v2'] as const).flatMap((format) =>
    readdirSync(join(SAMPLES, format))
      .sort()
      .map((name) => ({ format, path: join(SAMPLES, format, name) })),
  );

  it('exits 0 when every record of a sample converted', async () => {
    const clean = files.find((f) => f.path.endsWith('outpatient-visit.xml'))!;
    const expected = await sequential(clean.path, clean.format);
    expect(expected.stderr).toEqual([]);
    const r = spawnSync(process.execPath, [CLI, 'convert', clean.path], { encoding: 'utf8', timeout: 120_000 });
    expect([r.status, r.stderr, r.stdout.split('\n').filter((l) => l !== '').map(withoutTimestamp)]).toEqual([0, '', expected.stdout]);
  });

  it('prints what sequential in-process conversion gives for all the public samples in one run: bundles, order, rejections, exit code', async () => {
    // Every public sample converts; two broken inputs placed between them give rejections to
    // compare as well: a claim export cut off mid-record and a query message (no clinical data).
    const tmp = tempDir('vhr-parity-');
    const cut = readFileSync(files.find((f) => f.path.endsWith('inpatient-delivery.xml'))!.path);
    const truncated = join(tmp.path, 'truncated.xml');
    writeFileSync(truncated, cut.subarray(0, Math.floor(cut.length * 0.6)));
    const query = join(tmp.path, 'query.hl7');
    writeFileSync(query, 'MSH|^~\\&|LAB|BV|VHR|SYT|20260101120000||QRY^A19|Q1|P|2.5\rQRD|20260101120000|R|I|Q1|||1^RD|PAT1|DEM\r');
    files.splice(3, 0, { format: 'xml130', path: truncated }, { format: 'hl7v2', path: query });
    const all = files.map((f) => f.path);
    const expected = { stdout: [] as string[], stderr: [] as string[] };
    for (const f of files) {
      const e = await sequential(f.path, f.format);
      expected.stdout.push(...e.stdout);
      expected.stderr.push(...e.stderr);
    }
    expect(expected.stdout.length).toBeGreaterThan(10);
    expect(expected.stderr.length).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [CLI, 'convert', ...all], { encoding: 'utf8', timeout: 120_000 });
    const lines = (s: string) => s.split('\n').filter((l) => l !== '');
    expect(lines(r.stdout).map(withoutTimestamp)).toEqual(expected.stdout);
    expect(lines(r.stderr)).toEqual(expected.stderr);
    expect(r.status).toBe(expected.stderr.length ? 1 : 0);
    tmp.cleanup();
  });
});

// The command-line contracts (DESIGN §10), run as an operator would: the built CLI in a child process.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { tempDir } from '../support/tempDir.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { sharedSamplesDir } from '../support/sharedSamples.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'main', 'cli.js');
const XML = sharedSamplesDir('xml130');
const HL7 = sharedSamplesDir('hl7v2');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('vhr-agent convert / validate', () => {
  it('prints one transaction Bundle per HOSO that validate accepts', () => {
    const files = readdirSync(XML).filter((f) => f.endsWith('.xml')).map((f) => join(XML, f));
    const out = cli(['convert', ...files]);
    expect(out.code).toBe(0);
    const bundles = lines(out.stdout).map((l) => JSON.parse(l) as { resourceType: string; type: string; identifier?: { value?: string } });
    expect(bundles.map((b) => [b.resourceType, b.type])).toEqual(Array(6).fill(['Bundle', 'transaction']));
    expect(bundles.map((b) => b.identifier?.value).sort()).toEqual(['166731', '317444', '612273', 'ER32447477', 'ER77784236', 'OP62317537']);
    const v = cli(['validate', '-'], out.stdout);
    expect([v.code, v.stdout, v.stderr.trim()]).toEqual([0, '', 'vhr-agent validate: 6 of 6 valid']);
  });

  it('converts HL7v2 files too, auto-detected', () => {
    const out = cli(['convert', join(HL7, 'ADT-A01-01.hl7'), join(HL7, 'ORU-R01-01.hl7')]);
    expect(out.code).toBe(0);
    expect(lines(out.stdout)).toHaveLength(2);
    expect(cli(['validate', '-'], out.stdout).code).toBe(0);
  });

  it('reports each rejected record on stderr as JSON and exits 1, still printing the good ones', () => {
    const tmp = tempDir('vhr-cli-');
    try {
      const mixed = join(tmp.path, 'mixed.xml');
      writeFileSync(mixed, envelopeOf([{ maLk: 'G1' }, { maLk: 'B1', rawXml1Base64: '!!!' }, { maLk: 'G2' }]));
      const truncated = join(tmp.path, 'cut.xml');
      writeFileSync(truncated, envelopeOf(manyClaims(2)).slice(0, 500));
      const out = cli(['convert', '--format', 'xml130', mixed, truncated]);
      expect(out.code).toBe(1);
      expect(lines(out.stdout)).toHaveLength(2);
      const rejected = lines(out.stderr).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rejected).toEqual([
        { file: mixed, record: 2, code: 'BAD_BASE64', message: expect.stringContaining('not base64') },
        { file: truncated, record: null, code: 'ENVELOPE_TRUNCATED', message: expect.stringMatching(/ends before the XML is complete/) },
      ]);
    } finally {
      tmp.cleanup();
    }
  });

  it('rejects a record over --max-record-mib with its size instead of converting it', () => {
    const tmp = tempDir('vhr-cli-size-');
    try {
      const small = generateEnvelope({ records: 1, seed: 31, lines: 5 });
      const big = generateEnvelope({ records: 1, seed: 32, lines: 1500, firstRecord: 1 });
      const bodyOf = (env: string) => env.slice(env.indexOf('<DANHSACHHOSO>') + 14, env.lastIndexOf('</DANHSACHHOSO>'));
      const file = join(tmp.path, 'two.xml');
      writeFileSync(file, small.replace('</DANHSACHHOSO>', `${bodyOf(big)}</DANHSACHHOSO>`));
      const out = cli(['convert', '--max-record-mib', '1', file]);
      expect(out.code).toBe(1);
      expect(lines(out.stdout)).toHaveLength(1);
      expect(lines(out.stderr).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        { file, record: 2, code: 'CONVERT_RECORD_TOO_LARGE', message: expect.stringMatching(/^the record is \d+\.\d MiB, more than the 1 MiB converted at most/) },
      ]);
      expect(cli(['convert', file]).code).toBe(0); // under the default limit
      expect(cli(['convert', '--max-record-mib', 'lots', file]).code).toBe(2);
    } finally {
      tmp.cleanup();
    }
  });

  it('says what is wrong with a bundle, and exits 2 on bad usage', () => {
    const bad = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', birthDate: '1990-13-45' } }] });
    const v = cli(['validate', '-'], bad + '\n');
    expect(v.code).toBe(1);
    expect(JSON.parse(lines(v.stdout)[0]!)).toMatchObject({
      line: 1,
      valid: false,
      issues: expect.arrayContaining([{ severity: 'error', path: 'Bundle.entry[0].resource.birthDate', message: 'Invalid date format' }]),
    });
    expect(cli(['convert']).code).toBe(2);
    expect(cli(['convert', '--format', 'pdf', 'x']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['run']).code).toBe(2);
  });

  it('refuses an invalid configuration naming the key', () => {
    const tmp = tempDir('vhr-cli-');
    try {
      const cfg = join(tmp.path, 'agent.yaml');
      writeFileSync(cfg, 'facility: { code: "1" }\ndataDir: ./d\n');
      const r = cli(['run', '--config', cfg]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('facility.code: must be the 5-character MA_CSKCB');
    } finally {
      tmp.cleanup();
    }
  });
});

describe('vhr-agent help', () => {
  // Every command of DESIGN §10 and the README's table, as an operator types it.
  const commands = [
    ['run'],
    ['demo'],
    ['convert'],
    ['validate'],
    ['status'],
    ['retry'],
    ['resend'],
    ['cancel'],
    ['pause'],
    ['resume'],
    ['generate'],
    ['keys', 'rotate'],
    ['config', 'keygen'],
    ['config', 'sign'],
    ['config', 'verify'],
    ['config', 'import'],
  ];

  it('prints the usage of every command for --help and exits 0, even where the command needs options', () => {
    for (const words of commands) {
      const r = cli([...words, '--help']);
      expect([words.join(' '), r.code, r.stderr]).toEqual([words.join(' '), 0, '']);
      expect(r.stdout).toContain(`Usage: vhr-agent ${words.join(' ')}`);
    }
    // `help COMMAND` says the same.
    expect(cli(['help', 'generate']).stdout).toBe(cli(['generate', '--help']).stdout);
    expect(cli(['help', 'config', 'sign']).stdout).toBe(cli(['config', 'sign', '--help']).stdout);
  }, 300_000);

  it('lists every command for help, and the subcommands of a group', () => {
    const r = cli(['help']);
    expect(r.code).toBe(0);
    for (const words of commands) expect(r.stdout).toContain(`vhr-agent ${words.join(' ')}`);
    expect(cli(['--help']).stdout).toBe(r.stdout);
    const group = cli(['config', '--help']);
    expect(group.code).toBe(0);
    expect(lines(group.stdout).filter((l) => l.startsWith('  vhr-agent config '))).toHaveLength(5);
  }, 120_000);

  it('bad usage exits 2 and says what is wrong, followed by the usage', () => {
    const unknown = cli(['convert', '--colour', 'x.xml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^vhr-agent: unknown option --colour\n\nvhr-agent convert/);
    const missing = cli(['generate', '--records', '5', '--out']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'vhr-agent: --out needs a value']);
    const noSub = cli(['config']);
    expect([noSub.code, noSub.stderr.split('\n')[0]]).toEqual([2, 'vhr-agent: config needs check, keygen, sign, verify or import']);
    expect(cli(['keys', 'spin']).code).toBe(2);
    expect(cli(['help', 'frobnicate']).code).toBe(2);
    const noArgs = cli([]);
    expect([noArgs.code, noArgs.stdout]).toEqual([2, cli(['help']).stdout]);
  }, 120_000);
});

describe('vhr-agent config check', () => {
  it('exits 0 for a usable file and 1 with every problem, its key and its fix, on stderr', () => {
    const tmp = tempDir('vhr-cli-check-');
    try {
      const file = join(tmp.path, 'config.yaml');
      const yaml = (code: string, path: string) => `facility: { code: ${code} }\ndataDir: ./data\nsources:\n  - { id: his, type: folder, path: ${path} }\n`;
      writeFileSync(file, yaml('"01001"', '.'));
      const ok = cli(['config', 'check', '--config', file]);
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      expect(ok.stdout).toBe(`${file}: usable (facility 01001, 1 source, 0 destinations)\n`);
      writeFileSync(file, yaml('01001', '.'));
      const zero = cli(['config', 'check', '--config', file]);
      expect(zero.code).toBe(1);
      expect(zero.stderr).toMatch(/facility\.code: YAML reads 01001 as the number 1001/);
      writeFileSync(file, yaml('"01001"', './khong-co'));
      const missing = cli(['config', 'check', '--config', file]);
      expect(missing.code).toBe(1);
      expect(lines(missing.stderr)).toEqual([`vhr-agent: ${file}: 1 problem`, expect.stringMatching(/^ {2}- sources\[0\]\.path: the HIS export folder .*khong-co does not exist; fix: /)]);
      expect(cli(['config', 'check', 'config.yaml']).code).toBe(2);
      // Without --config: the platform's one location (main/service/locations.ts), absent on this machine.
      const byDefault = cli(['config', 'check']);
      expect([byDefault.code, byDefault.stderr]).toEqual([1, expect.stringContaining('cannot read the configuration file /etc/vhr-agent/config.yaml: ENOENT')]);
    } finally {
      tmp.cleanup();
    }
  }, 60_000);
});

describe('vhr-agent demo (npm start)', () => {
  it('fills both local stores with generated records, prints the UI URL, and stops cleanly on Ctrl+C', async () => {
    const tmp = tempDir('vhr-demo-');
    try {
      const child = spawn(process.execPath, [CLI, 'demo', '--data', tmp.path, '--records', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not deliver in time:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (/✔ ministry: \d+ Patient, \d+ Encounter/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(out).toMatch(/Giao diện \/ UI: +http:\/\/127\.0\.0\.1:\d+\/#token=\S+/);
      // 4 generated records, one patient and one visit each: the demo ships no real exports.
      expect(out).toMatch(/✔ province: 4 Patient, 4 Encounter/);
      expect(out).toMatch(/✔ ministry: 4 Patient, 4 Encounter/);
      const info = JSON.parse(readFileSync(join(tmp.path, 'api.json'), 'utf8')) as { url: string; token: string };
      const status = (await (await fetch(`${info.url}${pathTo(ROUTES.status)}`, { headers: { Authorization: `Bearer ${info.token}` } })).json()) as { counts: { converted: number } };
      expect(status.counts.converted).toBe(4);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });
});

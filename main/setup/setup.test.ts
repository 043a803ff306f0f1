// The setup's own pieces, without a browser: the YAML it writes reads back as typed (no traps),
// and the port and facility checks answer from the real machine.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfigText } from '../config/load.js';
import { draftToYaml } from './draft.js';
import { checkFacility, checkPort, writeAtomically } from './setupServer.js';

let server: Server | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('setup draft to YAML', () => {
  it('keeps a leading-zero facility code and a Windows path exactly as typed', () => {
    const yaml = draftToYaml({
      facility: { code: '01001', name: 'Bệnh viện "Đa khoa"' },
      dataDir: 'C:\\ProgramData\\vhr-agent\\data',
      folder: 'D:\\HIS\\XuatXML',
      mllpPort: 2575,
      destinations: [{ id: 'province', name: 'Sở Y tế Hà Nội', baseUrl: 'https://fhir.soyte.example/fhir', auth: 'bearer', secret: 'bi-mat' }],
    });
    expect(yaml).not.toContain('bi-mat');
    // Read back by the agent's loader without a YAML trap (a lost zero, a backslash escape).
    const config = parseConfigText(yaml, '/');
    expect(config.facility).toEqual({ code: '01001', name: 'Bệnh viện "Đa khoa"' });
    expect(config.sources[1]).toMatchObject({ type: 'mllp', port: 2575 });
    const raw = parse(yaml) as { sources: { path?: string }[]; destinations: { auth: unknown }[] };
    expect(raw.sources[0]!.path).toBe('D:\\HIS\\XuatXML');
    expect(raw.destinations[0]!.auth).toEqual({ type: 'bearer', token: 'file:C:\\ProgramData\\vhr-agent\\data/secrets/province.secret' });
  });
});

describe('setup checks', () => {
  it('checks the MA_CSKCB format', () => {
    expect(checkFacility({ code: '1001', name: 'X' }).ok).toBe(false);
    expect(checkFacility({ code: '1001', name: 'X' }).messageVi).toContain('đúng 5 chữ số hoặc chữ cái');
    expect(checkFacility({ code: '01001', name: '' }).ok).toBe(false);
    expect(checkFacility({ code: '01001', name: 'Bệnh viện' }).ok).toBe(true);
  });

  it('says a port in use is in use, and a free one is free', async () => {
    server = createServer();
    await new Promise<void>((done) => server!.listen(0, '0.0.0.0', () => done()));
    const port = (server.address() as { port: number }).port;
    const busy = await checkPort(port);
    expect(busy.ok).toBe(false);
    expect(busy.messageVi).toContain(`Cổng ${port} đang được chương trình khác dùng`);
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    expect((await checkPort(port)).ok).toBe(true);
  });

  it('writes atomically with mode 0600 and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vhr-setup-write-'));
    dirs.push(dir);
    const path = join(dir, 'etc', 'config.yaml');
    writeAtomically(path, 'a: 1\n');
    writeAtomically(path, 'a: 2\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'etc'))).toEqual(['config.yaml']);
  });
});

// `vhr-agent config check` (DESIGN §10): real files, real folders, a real port held open.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { configCheck } from '../commands/config.js';
import { tempDir } from '../../test/support/tempDir.js';
import { parseMountTable, unmountedShare } from './usability.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function workspace() {
  const t = tempDir('vhr-check-');
  cleanups.push(t.cleanup);
  mkdirSync(join(t.path, 'his'));
  return t.path;
}

async function check(dir: string, yaml: string, opts: Parameters<typeof configCheck>[2] = {}) {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  let out = '';
  let err = '';
  const code = await configCheck(file, { out: (t) => (out += t), err: (t) => (err += t) }, { mountTables: { fstab: '', mounts: '' }, ...opts });
  return { code, out, err, lines: err.split('\n').filter((l) => l.startsWith('  - ')) };
}

const base = (extra = '') => `facility: { code: "01001" }
dataDir: ./data
sources:
  - { id: his, type: folder, path: ./his }
destinations:
  - { id: province, baseUrl: "http://127.0.0.1:9/fhir" }
${extra}`;

describe('config check', () => {
  it('exits 0 and says so for a usable configuration', async () => {
    const r = await check(workspace(), base());
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/usable \(facility 01001, 1 source, 1 destination\)/);
  });

  it('names the key and the fix for YAML traps: leading zeros and Windows paths in double quotes', async () => {
    const dir = workspace();
    const zero = await check(dir, base().replace('"01001"', '01001'));
    expect(zero.code).toBe(1);
    expect(zero.lines).toEqual([expect.stringMatching(/^ {2}- facility\.code: YAML reads 01001 as the number 1001 .*put it in quotes: "01001"/)]);
    const win = await check(dir, base().replace('path: ./his', 'path: "D:\\HIS\\XuatXML"'));
    expect(win.code).toBe(1);
    expect(win.err).toMatch(/single quotes \('D:\\HIS\\XuatXML'\) or with forward slashes/);
  });

  it('lists every machine problem at once: missing folder, port in use, unresolvable secret', async () => {
    const dir = workspace();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    cleanups.push(() => holder.close());
    const port = (holder.address() as AddressInfo).port;
    const yaml = `facility: { code: "01001" }
dataDir: ./data
sources:
  - { id: his, type: folder, path: ./HIS-typo }
  - { id: lab, type: mllp, host: 127.0.0.1, port: ${port} }
destinations:
  - id: province
    baseUrl: "http://127.0.0.1:9/fhir"
    auth: { type: oauth2, tokenUrl: "http://127.0.0.1:9/token", clientId: c1, clientSecret: "env:VHR_TEST_UNSET_SECRET" }
  - id: ministry
    baseUrl: "http://127.0.0.1:9/fhir"
    auth: { type: bearer, token: "file:./missing.token" }
`;
    const r = await check(dir, yaml, { env: {} });
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(4);
    expect(r.lines[0]).toMatch(/^ {2}- sources\[0\]\.path: the HIS export folder .*HIS-typo does not exist; fix: check the spelling/);
    expect(r.lines[1]).toMatch(new RegExp(`^  - sources\\[1\\]\\.port: port ${port} on 127\\.0\\.0\\.1 is already in use; fix: `));
    expect(r.lines[2]).toMatch(/^ {2}- destinations\[0\]\.auth\.clientSecret: the environment variable VHR_TEST_UNSET_SECRET .* is not set; fix: set VHR_TEST_UNSET_SECRET/);
    expect(r.lines[3]).toMatch(/^ {2}- destinations\[1\]\.auth\.token: .*missing\.token.*; fix: put the secret in that file/);
  });

  it('refuses a folder under a network share that /etc/fstab mounts but that is not mounted now', async () => {
    const dir = workspace();
    const fstab = `# comment\n//his-server/xuat ${dir}/his cifs credentials=/root/.smb,_netdev 0 0\n`;
    const notMounted = await check(dir, base(), { platform: 'linux', mountTables: { fstab, mounts: 'proc /proc proc rw 0 0\n' } });
    expect(notMounted.code).toBe(1);
    expect(notMounted.lines[0]).toMatch(/^ {2}- sources\[0\]\.path: .*network share \/\/his-server\/xuat \(cifs, \/etc\/fstab\), which is not mounted .*fix: mount it/);
    const mounted = await check(dir, base(), { platform: 'linux', mountTables: { fstab, mounts: `//his-server/xuat ${dir}/his cifs rw 0 0\n` } });
    expect(mounted.code).toBe(0);
  });

  it('reads mount tables with escaped spaces and picks the deepest planned mount point', () => {
    expect(parseMountTable('//s/a /mnt/his\\040xml cifs rw 0 0')).toEqual([{ device: '//s/a', mountPoint: '/mnt/his xml', type: 'cifs' }]);
    const fstab = '//s/a /mnt cifs rw 0 0\n//s/b /mnt/his nfs rw 0 0\n';
    expect(unmountedShare('/mnt/his/in', { fstab, mounts: '//s/a /mnt cifs rw 0 0' })?.device).toBe('//s/b');
    expect(unmountedShare('/srv/in', { fstab, mounts: '' })).toBeUndefined();
  });
});

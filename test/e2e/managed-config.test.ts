// Ministry-managed configuration end to end (DESIGN §7, docs/managed-config.md): a real agent,
// a real config server on loopback serving signed documents with ETags, real FHIR stores, and
// the file import of `vhr-agent config import`. Every test checks the version in force, the
// audit rows and the queue counts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import type { ManagedConfigResponse, ManagedImportResponse } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { generateSigningKeys, signDocument, type KeyPairPem } from '../../main/config/managed/signing.js';
import { managedAuditLog } from '../../main/store/managedConfig.js';
import { configImport, type Io } from '../../main/commands/config.js';
import { AGENT_VERSION, PACKAGE_ROOT } from '../../main/paths.js';
import { channelFileName } from '../../main/config/managed/updates.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

/** A ministry config server: serves one document with an ETag, answers 304 to a matching If-None-Match. */
class ConfigServer {
  private server?: Server;
  private body?: string;
  private etag = '';
  private serial = 0;
  port = 0;
  readonly requests: { ifNoneMatch?: string; status: number }[] = [];
  /** Other files served as they are, by path (e.g. the update feed). */
  readonly files = new Map<string, string>();

  async start(port = 0): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const file = this.files.get(req.url ?? '');
      if (file !== undefined) return void res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(file);
      const ifNoneMatch = req.headers['if-none-match'];
      const status = this.body === undefined ? 404 : ifNoneMatch === this.etag ? 304 : 200;
      this.requests.push({ ifNoneMatch, status });
      if (status === 200) res.writeHead(200, { 'Content-Type': 'application/json', ETag: this.etag }).end(this.body);
      else res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/moh/vhr-agent/config.json`;
  }

  serve(signedText: string): void {
    this.body = signedText;
    this.etag = `"doc-${++this.serial}"`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
let configServer: ConfigServer;
let keys: KeyPairPem;
let agent: Agent | undefined;

const privateKey = (k: KeyPairPem = keys): KeyObject => createPrivateKey(k.privateKeyPem);
const signed = (doc: unknown, k: KeyPairPem = keys): string => JSON.stringify(signDocument(Buffer.from(JSON.stringify(doc, null, 2)), privateKey(k)));
const configPath = () => join(tmp.path, 'vhr-agent.yaml');

function writeConfig(opts: { url?: string } = {}): void {
  writeFileSync(join(tmp.path, 'ministry.pub'), keys.publicKeyPem);
  writeFileSync(
    configPath(),
    `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources:
  - { id: his, type: folder, path: ${JSON.stringify(join(tmp.path, 'inbox'))}, quietMs: 50 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", timeoutMs: 5000 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", timeoutMs: 5000 }
retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }
managed:
  ${opts.url === undefined ? '' : `url: ${JSON.stringify(opts.url)}`}
  publicKey: ${JSON.stringify(join(tmp.path, 'ministry.pub'))}
`,
  );
}

async function startAgent(): Promise<Agent> {
  const config = parseConfigText(readFileSync(configPath(), 'utf8'), tmp.path);
  agent = new Agent(config, { logger: createLogger({ dataDir: tmp.path }), managedPollIntervalMs: 40 });
  await agent.start();
  return agent;
}

beforeEach(async () => {
  tmp = tempDir('vhr-managed-');
  keys = generateSigningKeys();
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry', 'ministry2'] });
  configServer = await new ConfigServer().start();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await configServer.stop();
  await fhir.close();
  tmp.cleanup();
});

const a = () => agent!;
const drop = (name: string, body: string) => {
  const inbox = join(tmp.path, 'inbox');
  writeFileSync(join(inbox, `${name}.tmp`), body);
  copyFileSync(join(inbox, `${name}.tmp`), join(inbox, name));
};
const dest = (id: string) => a().status().destinations.find((d) => d.id === id)!;
/** [id, pending, delivered] per destination. */
const queue = () => a().status().destinations.map((d) => [d.id, d.pending, d.delivered]);
const managedVersion = () => a().status().managed!.version;
/** Ministry audit rows, oldest first: [action, version, code or versions]. */
const audit = () =>
  a().store.managedAuditLog(100)
    .reverse()
    .map((r) => [r.action, r.version, r.action === 'config_refused' ? r.detail.code : `${String(r.detail.versionBefore)}→${String(r.detail.versionAfter)}`]);
const drained = (n: number) => () => {
  const s = a().status();
  return s.counts.converted === n && s.destinations.every((d) => d.pending === 0 && d.delivered === n);
};

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const info = a().apiInfo!;
  const res = await fetch(`${info.url}${path}`, { ...init, headers: { Authorization: `Bearer ${info.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as T };
}

const silentIo = (): Io & { text: () => string } => {
  const lines: string[] = [];
  return { out: (t) => void lines.push(t), err: (t) => void lines.push(t), text: () => lines.join('') };
};

describe('ministry-managed configuration', () => {
  it('applies a fetched document: the ministry URL changes while records are queued, none is lost and the new URL is used', async () => {
    writeConfig({ url: configServer.url });
    await startAgent();
    fhir.faults('ministry').down(true);
    drop('batch.xml', envelopeOf(manyClaims(4, 'MV')));
    await waitFor(() => dest('province').delivered === 4 && dest('ministry').pending === 4, { what: 'records queued for the ministry' });
    expect(managedVersion()).toBe(0);

    configServer.serve(signed({ version: 1, note: 'ministry store moved', destinations: [{ id: 'ministry', baseUrl: fhir.baseUrl('ministry2') }] }));
    await waitFor(() => managedVersion() === 1, { what: 'version 1 in force' });
    await waitFor(drained(4), { what: 'queued records delivered at the new URL' });

    expect(queue()).toEqual([
      ['province', 0, 4],
      ['ministry', 0, 4],
    ]);
    expect(dest('ministry').baseUrl).toBe(fhir.baseUrl('ministry2'));
    expect(await fhir.countResources('ministry2', 'Encounter')).toBe(4);
    expect(await fhir.countResources('ministry', 'Encounter')).toBe(0);
    expect(a().status().managed).toMatchObject({ version: 1, source: 'poll', appliedAt: expect.any(String) });
    expect(a().status().managed!.lastError).toBeUndefined();
    expect(audit()).toEqual([['config_applied', 1, '0→1']]);
    expect(a().store.managedAuditLog(1)[0]!.detail).toMatchObject({ source: 'poll', changedDestinations: ['ministry'], note: 'ministry store moved', reconvertPending: false });
    // Later polls are conditional and cost a 304.
    await waitFor(() => configServer.requests.some((r) => r.ifNoneMatch === '"doc-1"' && r.status === 304), { what: 'a 304 for the known ETag' });
    expect(JSON.parse(readFileSync(join(tmp.path, 'managed', 'current.json'), 'utf8'))).toMatchObject({ version: 1, source: 'poll' });

    // The document in force survives a restart, and is not applied (or audited) a second time.
    await a().stop();
    await startAgent();
    expect(managedVersion()).toBe(1);
    expect(a().config.destinations.find((d) => d.id === 'ministry')!.baseUrl).toBe(fhir.baseUrl('ministry2'));
    await waitFor(() => configServer.requests.filter((r) => r.status === 200).length >= 2, { what: 'the first poll after restart' });
    expect(audit()).toEqual([['config_applied', 1, '0→1']]);
  });

  it('refuses a tampered body and keeps the last good document', async () => {
    writeConfig({ url: configServer.url });
    await startAgent();
    configServer.serve(signed({ version: 1, retry: { maxDelayMs: 300 } }));
    await waitFor(() => managedVersion() === 1);

    const envelope = JSON.parse(signed({ version: 2, destinations: [{ id: 'ministry', baseUrl: 'https://moh.example/fhir' }] })) as { payload: string };
    const text = Buffer.from(envelope.payload, 'base64').toString('utf8').replace('https://moh.example/fhir', 'https://attacker.example/fhir');
    configServer.serve(JSON.stringify({ ...envelope, payload: Buffer.from(text).toString('base64') }));
    await waitFor(() => a().status().managed!.lastError?.code === 'SIGNATURE_INVALID', { what: 'tampered document refused' });

    expect(managedVersion()).toBe(1);
    expect(a().status().managed!.lastError!.message).toMatch(/signature does not match/);
    expect(a().config.destinations.map((d) => d.baseUrl)).toEqual([fhir.baseUrl('province'), fhir.baseUrl('ministry')]);
    // The same bad document, polled again, is not audited again.
    await waitFor(() => configServer.requests.filter((r) => r.status === 304).length >= 2);
    expect(audit()).toEqual([
      ['config_applied', 1, '0→1'],
      ['config_refused', null, 'SIGNATURE_INVALID'],
    ]);
    drop('one.xml', envelopeOf(manyClaims(2, 'TB')));
    await waitFor(drained(2), { what: 'records still delivered under version 1' });
    expect(queue()).toEqual([
      ['province', 0, 2],
      ['ministry', 0, 2],
    ]);
  });

  it('refuses a document signed with another key, whether it names that key or forges the pinned key id', async () => {
    writeConfig({ url: configServer.url });
    await startAgent();
    const other = generateSigningKeys();
    configServer.serve(signed({ version: 1, retry: { maxDelayMs: 300 } }, other));
    await waitFor(() => a().status().managed!.lastError?.code === 'KEY_MISMATCH', { what: 'other key refused' });

    const forged = JSON.parse(signed({ version: 1, retry: { maxDelayMs: 300 } }, other)) as Record<string, string>;
    configServer.serve(JSON.stringify({ ...forged, keyId: keys.keyId }));
    await waitFor(() => a().status().managed!.lastError?.code === 'SIGNATURE_INVALID', { what: 'forged key id refused' });

    expect(managedVersion()).toBe(0);
    expect(audit()).toEqual([
      ['config_refused', null, 'KEY_MISMATCH'],
      ['config_refused', null, 'SIGNATURE_INVALID'],
    ]);
    expect(a().config.retry.maxDelayMs).toBe(200);
    drop('one.xml', envelopeOf(manyClaims(1, 'WK')));
    await waitFor(drained(1));
    expect(queue()).toEqual([
      ['province', 0, 1],
      ['ministry', 0, 1],
    ]);
  });

  it('refuses a replayed older version and a reused version number', async () => {
    writeConfig({ url: configServer.url });
    await startAgent();
    const v1 = signed({ version: 1, retry: { maxDelayMs: 300 } });
    configServer.serve(v1);
    await waitFor(() => managedVersion() === 1);
    configServer.serve(signed({ version: 2, retry: { maxDelayMs: 400 } }));
    await waitFor(() => managedVersion() === 2);

    configServer.serve(v1);
    await waitFor(() => a().status().managed!.lastError?.code === 'VERSION_NOT_NEWER', { what: 'replay refused' });
    expect(a().status().managed!.lastError!.message).toMatch(/version 1 is older than version 2/);
    configServer.serve(signed({ version: 2, retry: { maxDelayMs: 500 } }));
    await waitFor(() => /already applied with other content/.test(a().status().managed!.lastError?.message ?? ''), { what: 'reused version refused' });

    expect(managedVersion()).toBe(2);
    expect(a().config.retry.maxDelayMs).toBe(400);
    expect(audit()).toEqual([
      ['config_applied', 1, '0→1'],
      ['config_applied', 2, '1→2'],
      ['config_refused', 1, 'VERSION_NOT_NEWER'],
      ['config_refused', 2, 'VERSION_NOT_NEWER'],
    ]);
    drop('one.xml', envelopeOf(manyClaims(1, 'RP')));
    await waitFor(drained(1));
    expect(queue()).toEqual([
      ['province', 0, 1],
      ['ministry', 0, 1],
    ]);
  });

  it('refuses a signed document that breaks the schema, naming each key, and one that breaks the merged configuration', async () => {
    writeConfig();
    await startAgent();
    const invalid = await api<ManagedImportResponse>(pathTo(ROUTES.importConfig), {
      method: 'POST',
      body: signed({ version: 3, sources: [], destinations: [{ id: 'ministry', baseUrl: 'ftp://moh.example', auth: { type: 'bearer', token: 's3cr3t' } }], retry: { factor: 'fast' } }),
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ applied: false, code: 'SCHEMA_INVALID', version: 3 });
    const reason = (invalid.body as { reason: string }).reason;
    for (const key of ['sources: is a local setting', 'destinations[0].baseUrl', 'destinations[0].auth.token: must be a reference', 'retry.factor: must be a number']) expect(reason).toContain(key);

    const unfit = await api<ManagedImportResponse>(pathTo(ROUTES.importConfig), { method: 'POST', body: signed({ version: 3, retry: { factor: 50 }, destinations: [{ id: 'archive' }] }) });
    expect(unfit.status).toBe(422);
    expect(unfit.body).toMatchObject({ applied: false, code: 'MERGE_INVALID' });
    expect((unfit.body as { reason: string }).reason).toContain('"archive" is not a destination of this facility, so its baseUrl is required');
    expect((unfit.body as { reason: string }).reason).toContain('retry.factor: must be a number from 1 to 10');

    expect(managedVersion()).toBe(0);
    expect(audit()).toEqual([
      ['config_refused', 3, 'SCHEMA_INVALID'],
      ['config_refused', 3, 'MERGE_INVALID'],
    ]);
    const view = await api<ManagedConfigResponse>(pathTo(ROUTES.managedConfig));
    expect(view.body).toMatchObject({ status: { version: 0, source: 'local', lastError: { code: 'MERGE_INVALID' } }, keyId: keys.keyId, document: null });
    expect(view.body.audit.map((e) => e.action)).toEqual(['config_refused', 'config_refused']);
    drop('one.xml', envelopeOf(manyClaims(1, 'SI')));
    await waitFor(drained(1));
    expect(queue()).toEqual([
      ['province', 0, 1],
      ['ministry', 0, 1],
    ]);
  });

  it('keeps working while the config server is down, says why, and applies the document once it is back', async () => {
    const port = configServer.port;
    const url = configServer.url;
    await configServer.stop();
    writeConfig({ url });
    await startAgent();
    await waitFor(() => a().status().managed!.lastError?.code === 'FETCH_FAILED', { what: 'fetch failure reported' });
    expect(a().status().managed!.lastError!.message).toMatch(/cannot reach the ministry config server .*ECONNREFUSED/);
    drop('one.xml', envelopeOf(manyClaims(2, 'SD')));
    await waitFor(drained(2), { what: 'records delivered while the config server is down' });
    expect(managedVersion()).toBe(0);
    expect(audit()).toEqual([]);
    expect(queue()).toEqual([
      ['province', 0, 2],
      ['ministry', 0, 2],
    ]);

    await configServer.start(port);
    configServer.serve(signed({ version: 1, retry: { maxDelayMs: 300 } }));
    await waitFor(() => managedVersion() === 1, { what: 'applied once the server is back' });
    expect(a().status().managed!.lastError).toBeUndefined();
    expect(audit()).toEqual([['config_applied', 1, '0→1']]);
  });

  it('imports a file while the agent is stopped and applies it at the next start; a bad file is refused with exit 1', async () => {
    writeConfig();
    const config = parseConfigText(readFileSync(configPath(), 'utf8'), tmp.path);
    const good = join(tmp.path, 'v1.signed.json');
    writeFileSync(good, signed({ version: 1, destinations: [{ id: 'ministry', baseUrl: fhir.baseUrl('ministry2') }] }));
    const io = silentIo();
    expect(await configImport(config, good, io)).toBe(0);
    expect(io.text()).toMatch(/no agent running: version 1 verified/);
    expect(existsSync(join(tmp.path, 'managed', 'pending.json'))).toBe(true);

    const bad = join(tmp.path, 'v2.signed.json');
    writeFileSync(bad, signed({ version: 2, retry: { maxDelayMs: 300 } }, generateSigningKeys()));
    const badIo = silentIo();
    expect(await configImport(config, bad, badIo)).toBe(1);
    expect(badIo.text()).toMatch(/refused \(KEY_MISMATCH\)/);

    await startAgent();
    expect(a().status().managed).toMatchObject({ version: 1, source: 'pending' });
    expect(existsSync(join(tmp.path, 'managed', 'pending.json'))).toBe(false);
    expect(audit()).toEqual([
      ['config_refused', null, 'KEY_MISMATCH'],
      ['config_applied', 1, '0→1'],
    ]);
    drop('one.xml', envelopeOf(manyClaims(2, 'OF')));
    await waitFor(drained(2));
    expect(queue()).toEqual([
      ['province', 0, 2],
      ['ministry', 0, 2],
    ]);
    expect(await fhir.countResources('ministry2', 'Encounter')).toBe(2);

    // With the agent running, the same command goes through its API and applies at once.
    const v3 = join(tmp.path, 'v3.signed.json');
    writeFileSync(v3, signed({ version: 3, retry: { maxDelayMs: 250 } }));
    const liveIo = silentIo();
    expect(await configImport(config, v3, liveIo)).toBe(0);
    expect(liveIo.text()).toBe('applied version 3\n');
    expect(a().status().managed).toMatchObject({ version: 3, source: 'import' });
    expect(await configImport(config, good, silentIo())).toBe(1);
    expect(managedVersion()).toBe(3);
    expect(audit().slice(2)).toEqual([
      ['config_applied', 3, '1→3'],
      ['config_refused', 1, 'VERSION_NOT_NEWER'],
    ]);
  });

  it('converts records still pending again with a new profile pack when the document asks, and leaves delivered ones alone', async () => {
    writeConfig();
    await startAgent();
    drop('a.xml', envelopeOf(manyClaims(2, 'PA')));
    await waitFor(drained(2));
    fhir.faults('province').down(true);
    fhir.faults('ministry').down(true);
    drop('b.xml', envelopeOf(manyClaims(3, 'PB')));
    await waitFor(() => a().status().counts.converted === 5 && dest('province').pending === 3 && dest('ministry').pending === 3, { what: 'batch B queued' });

    const newSystem = 'http://moh.gov.vn/fhir/sid/ma-lk';
    const r = await api<ManagedImportResponse>(pathTo(ROUTES.importConfig), {
      method: 'POST',
      body: signed({ version: 1, reconvertPending: true, profilePack: { identifierSystems: { maLk: newSystem } } }),
    });
    expect(r.body).toEqual({ applied: true, version: 1, reconverted: 3, unchanged: false });
    expect(audit()).toEqual([['config_applied', 1, '0→1']]);
    expect(a().store.managedAuditLog(1)[0]!.affected).toBe(3);
    await waitFor(() => a().status().counts.converted === 5 && dest('province').pending === 3, { what: 'batch B converted again and queued' });

    fhir.faults('province').down(false);
    fhir.faults('ministry').down(false);
    await waitFor(drained(5), { what: 'everything delivered' });
    expect(queue()).toEqual([
      ['province', 0, 5],
      ['ministry', 0, 5],
    ]);
    for (const base of ['province', 'ministry']) {
      expect(await fhir.countResources(base, 'Encounter')).toBe(5);
      expect(await fhir.search(base, 'Encounter', { identifier: `${newSystem}|PB0001` })).toHaveLength(1);
      expect(await fhir.search(base, 'Encounter', { identifier: 'http://fhir.hl7.org.vn/core/sid/ma-lk|PB0001' })).toHaveLength(0);
      expect(await fhir.search(base, 'Encounter', { identifier: 'http://fhir.hl7.org.vn/core/sid/ma-lk|PA0001' })).toHaveLength(1);
      const bySystem = async (system: string) => (await fhir.search(base, 'Encounter', {})).filter((e) => JSON.stringify(e).includes(system)).length;
      expect(await bySystem(newSystem)).toBe(3);
      expect(await bySystem('http://fhir.hl7.org.vn/core/sid/ma-lk')).toBe(2);
    }
    expect(existsSync(join(tmp.path, 'managed', 'profile-pack-v1.json'))).toBe(true);
  });
});

describe('app updates, headless', () => {
  it('reports a newer release from the update feed the ministry document names', async () => {
    writeConfig({ url: configServer.url });
    configServer.files.set(`/moh/updates/${channelFileName('latest')}`, 'version: 9.0.0\npath: vhr-agent-9.0.0.exe\nsha512: abc==\n');
    await startAgent();
    expect(a().status().update).toBeUndefined();
    configServer.serve(signed({ version: 1, updates: { url: `http://127.0.0.1:${configServer.port}/moh/updates/` } }));
    await waitFor(() => a().status().update, { what: 'update check' });
    expect(a().status().update).toMatchObject({ available: true, version: '9.0.0' });
    expect(a().managed.updateFeed()).toEqual({ url: `http://127.0.0.1:${configServer.port}/moh/updates/`, channel: 'latest' });
    expect(AGENT_VERSION).not.toBe('9.0.0');
    expect(audit()).toEqual([['config_applied', 1, '0→1']]);
    expect(queue()).toEqual([
      ['province', 0, 0],
      ['ministry', 0, 0],
    ]);
  });
});

describe('vhr-agent config (command line)', () => {
  it('keygen, sign, verify and import exit 0 when the document holds and 1 when it does not', async () => {
    writeConfig();
    const tsx = join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', `file://${tsx}`, join(PACKAGE_ROOT, 'main', 'cli.ts'), 'config', ...args], { encoding: 'utf8', cwd: tmp.path });
    const keysDir = join(tmp.path, 'moh-keys');
    expect(cli('keygen', '--out', keysDir).status).toBe(0);
    expect(cli('keygen', '--out', keysDir).status).toBe(1);
    writeFileSync(join(tmp.path, 'ministry.pub'), readFileSync(join(keysDir, 'ministry.pub')));

    writeFileSync(join(tmp.path, 'doc.json'), JSON.stringify({ version: 1, logging: { retainDays: 60 } }));
    const sign = cli('sign', '--key', join(keysDir, 'ministry.key'), 'doc.json');
    expect(sign.status).toBe(0);
    writeFileSync(join(tmp.path, 'doc.signed.json'), sign.stdout);
    expect(cli('verify', '--pub', join(keysDir, 'ministry.pub'), 'doc.signed.json')).toMatchObject({ status: 0, stdout: 'signature valid — version 1\n' });

    const envelope = JSON.parse(sign.stdout) as { payload: string };
    const altered = Buffer.from(envelope.payload, 'base64').toString().replace('60', '90');
    writeFileSync(join(tmp.path, 'altered.json'), JSON.stringify({ ...envelope, payload: Buffer.from(altered).toString('base64') }));
    const verifyAltered = cli('verify', '--pub', join(keysDir, 'ministry.pub'), 'altered.json');
    expect(verifyAltered.status).toBe(1);
    expect(verifyAltered.stderr).toMatch(/signature does not match/);

    writeFileSync(join(tmp.path, 'bad.json'), JSON.stringify({ version: 2, dataDir: '/tmp' }));
    expect(cli('sign', '--key', join(keysDir, 'ministry.key'), 'bad.json')).toMatchObject({ status: 1, stderr: expect.stringContaining('dataDir: is a local setting') });

    expect(cli('import', '--config', configPath(), 'altered.json')).toMatchObject({ status: 1, stderr: expect.stringContaining('SIGNATURE_INVALID') });
    expect(cli('import', '--config', configPath(), 'doc.signed.json')).toMatchObject({ status: 0, stdout: expect.stringContaining('applied when the agent starts') });
    expect(cli('sign', '--key')).toMatchObject({ status: 2 });

    await startAgent();
    expect(a().status().managed).toMatchObject({ version: 1, source: 'pending' });
    expect(a().config.logging.retainDays).toBe(60);
    expect(audit()).toEqual([
      ['config_refused', null, 'SIGNATURE_INVALID'],
      ['config_applied', 1, '0→1'],
    ]);
    expect(queue()).toEqual([
      ['province', 0, 0],
      ['ministry', 0, 0],
    ]);
  });
});

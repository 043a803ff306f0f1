// End to end, in one process: claim files dropped in a watched folder → SQLite → FHIR →
// two real FHIR stores on loopback (province and ministry), through the agent's own wiring.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import type { ApiInfo, MessageDetailResponse, StatusResponse } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { sharedSamplePath } from '../support/sharedSamples.js';

const SAMPLES = ['outpatient-visit.xml', 'inpatient-delivery.xml', 'inpatient-bom-cdata-xml5.xml'];

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
let agent: Agent;

function configYaml(dataDir: string): string {
  return `
facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
sources:
  - { id: his, type: folder, path: ${JSON.stringify(join(dataDir, 'inbox'))}, quietMs: 50 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", timeoutMs: 5000 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", timeoutMs: 5000 }
retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }
`;
}

beforeEach(async () => {
  tmp = tempDir('vhr-e2e-');
  // The default profile, like Medplum: at most 50 updates per transaction and references
  // checked on write. The real samples (up to 131 entries) reach it in parts.
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  agent = new Agent(parseConfigText(configYaml(tmp.path), tmp.path), { logger: createLogger({ dataDir: tmp.path }) });
  await agent.start();
});
afterEach(async () => {
  await agent.stop();
  await fhir.close();
  tmp.cleanup();
});

const inbox = () => join(tmp.path, 'inbox');
const drop = (name: string, body: string) => {
  writeFileSync(join(inbox(), `${name}.tmp`), body);
  copyFileSync(join(inbox(), `${name}.tmp`), join(inbox(), name));
};
const status = () => agent.status();
const dest = (id: string) => status().destinations.find((d) => d.id === id)!;
/** Every converted record delivered or rejected at both destinations. */
const drained = (expected: number) => () => {
  const s = status();
  return s.counts.converted === expected && s.destinations.every((d) => d.pending === 0 && d.delivered + d.rejected === expected);
};

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const info = JSON.parse(readFileSync(join(tmp.path, 'api.json'), 'utf8')) as ApiInfo;
  const res = await fetch(`${info.url}${path}`, { ...init, headers: { Authorization: `Bearer ${info.token}`, ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as T };
}

describe('claim XML folder → two FHIR stores', () => {
  it('delivers the real sample exports and generated records to both stores', async () => {
    for (const f of SAMPLES) copyFileSync(sharedSamplePath('xml130', f), join(inbox(), f));
    drop('batch.xml', envelopeOf(manyClaims(5)));
    await waitFor(drained(8), { what: 'all 8 records delivered to both stores' });

    for (const base of ['province', 'ministry']) {
      // 8 patients, plus the newborn of the inpatient delivery's birth certificate (XML9)
      expect(await fhir.countResources(base, 'Patient')).toBe(9);
      expect(await fhir.countResources(base, 'Encounter')).toBe(8);
      const found = await fhir.search(base, 'Encounter', { identifier: 'http://fhir.hl7.org.vn/core/sid/ma-lk|OP62317537' });
      expect(found).toHaveLength(1);
    }
    const s = status();
    expect(s.counts).toEqual({ received: 8, converted: 8, invalid: 0 });
    expect(s.sources).toEqual([expect.objectContaining({ id: 'his', state: 'watching', received: 8 })]);
    expect(s.destinations.map((d) => [d.id, d.state, d.pending, d.delivered, d.rejected])).toEqual([
      ['province', 'ok', 0, 8, 0],
      ['ministry', 'ok', 0, 8, 0],
    ]);
    expect(dest('province').lastSuccessAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('serves GET /api/status in the contract shape, with the token in a 0600 api.json', async () => {
    drop('one.xml', envelopeOf(manyClaims(1)));
    await waitFor(drained(1));
    const apiJson = join(tmp.path, 'api.json');
    expect(statSync(apiJson).mode & 0o777).toBe(0o600);
    const info = JSON.parse(readFileSync(apiJson, 'utf8')) as ApiInfo;
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.uiUrl).toBe(`${info.url}/#token=${info.token}`);

    const { status: code, body } = await api<StatusResponse>(pathTo(ROUTES.status));
    expect(code).toBe(200);
    expect(body).toMatchObject({
      version: expect.any(String),
      sources: [{ id: 'his', state: 'watching', received: 1 }],
      destinations: [
        { id: 'province', state: 'ok', pending: 0, delivered: 1, rejected: 0, lastSuccessAt: expect.any(String) },
        { id: 'ministry', state: 'ok', pending: 0, delivered: 1, rejected: 0, lastSuccessAt: expect.any(String) },
      ],
      counts: { received: 1, converted: 1, invalid: 0 },
    });
    const anonymous = await fetch(`${info.url}${pathTo(ROUTES.status)}`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${info.url}${pathTo(ROUTES.status)}`, { headers: { Authorization: `Bearer ${info.token.slice(1)}x` } });
    expect(wrong.status).toBe(401);
    const crossOrigin = await fetch(`${info.url}${pathTo(ROUTES.status)}`, { headers: { Authorization: `Bearer ${info.token}`, Origin: 'http://evil.example' } });
    expect(crossOrigin.status).toBe(403);
  });

  it('retries a store answering 503 and delivers once it answers 201', async () => {
    fhir.faults('province').push({ status: 503, times: 2, method: 'POST' });
    drop('one.xml', envelopeOf(manyClaims(1, 'RT')));
    await waitFor(drained(1), { what: 'delivered after retries' });
    const [m] = (await api<{ items: { id: number }[] }>(pathTo(ROUTES.messages))).body.items;
    const detail = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m!.id } }))).body;
    const province = detail.attempts.filter((a) => a.destinationId === 'province');
    expect(province.map((a) => [a.outcome, a.errorCode ?? null, a.httpStatus])).toEqual([
      ['transient', 'HTTP_503', 503],
      ['transient', 'HTTP_503', 503],
      ['delivered', null, 200],
    ]);
    expect(detail.attempts.filter((a) => a.destinationId === 'ministry').map((a) => a.outcome)).toEqual(['delivered']);
    expect(detail.deliveries.map((d) => [d.destinationId, d.state, d.attempts])).toEqual([
      ['ministry', 'delivered', 1],
      ['province', 'delivered', 3],
    ]);
    expect(await fhir.countResources('province', 'Encounter')).toBe(1);
  });

  it('marks a record rejected with the store\'s own words on 400, and delivers it when retried after a fix', async () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Patient.identifier: CCCD không hợp lệ' }],
    };
    fhir.faults('ministry').push({ status: 400, body: outcome, method: 'POST' });
    drop('one.xml', envelopeOf(manyClaims(1, 'RJ')));
    await waitFor(() => dest('ministry').rejected === 1 && dest('province').delivered === 1, { what: 'rejected at ministry' });
    const [m] = (await api<{ items: { id: number }[] }>(pathTo(ROUTES.messages))).body.items;
    let detail = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m!.id } }))).body;
    expect(detail.deliveries.find((d) => d.destinationId === 'ministry')).toMatchObject({
      state: 'rejected',
      lastErrorCode: 'HTTP_400',
      lastError: expect.stringContaining('CCCD không hợp lệ'),
    });
    expect(await fhir.countResources('ministry', 'Encounter')).toBe(0);

    const retried = await api<{ retried: number }>(pathTo(ROUTES.retryMessage, { params: { id: m!.id } }), { method: 'POST' });
    expect(retried.body.retried).toBe(1);
    await waitFor(() => dest('ministry').delivered === 1, { what: 'delivered after retry' });
    detail = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m!.id } }))).body;
    expect(detail.deliveries.find((d) => d.destinationId === 'ministry')!.state).toBe('delivered');
    expect(await fhir.countResources('ministry', 'Encounter')).toBe(1);
  });

  it('a new version of the same MA_LK updates the same resources at the stores', async () => {
    drop('v1.xml', envelopeOf([{ maLk: 'LKV', hoTen: 'TRẦN THỊ BÌNH' }]));
    await waitFor(drained(1));
    drop('v2.xml', envelopeOf([{ maLk: 'LKV', hoTen: 'TRẦN THỊ BÌNH AN' }]));
    await waitFor(drained(2));
    const versions = agent.store.listMessages(10).map((m) => [m.naturalKey, m.version]);
    expect(versions).toEqual([
      ['94170|LKV', 2],
      ['94170|LKV', 1],
    ]);
    for (const base of ['province', 'ministry']) {
      expect(await fhir.countResources(base, 'Encounter')).toBe(1);
      const [patient] = await fhir.search(base, 'Patient', {});
      expect((patient as { name?: { text?: string }[] }).name?.[0]?.text).toBe('TRẦN THỊ BÌNH AN');
    }
  });

  it('keeps the ministry flowing while the province is down', async () => {
    fhir.faults('province').down(true);
    drop('batch.xml', envelopeOf(manyClaims(3, 'DN')));
    await waitFor(() => dest('ministry').delivered === 3, { what: 'ministry delivered' });
    expect(dest('province')).toMatchObject({ delivered: 0, pending: 3 });
    expect(await fhir.countResources('ministry', 'Encounter')).toBe(3);
    fhir.faults('province').down(false);
    await waitFor(() => dest('province').delivered === 3, { what: 'province caught up' });
    expect(await fhir.countResources('province', 'Encounter')).toBe(3);
  });
});

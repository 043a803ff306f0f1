// Every record to every store, and back within a minute of an outage (DESIGN §4.5, §4.6, §10):
// records larger than a store takes in one request reach each local-store profile in parts; a
// 413 teaches the limit; a store that was down for long is probed, and its backlog flows as
// soon as it answers, whatever the records' own backoff; an older version of a record is never
// sent over a newer one. The stores (real HTTP on loopback) are the oracle: what they hold,
// their write histories and their request logs; the agent's database is read, never trusted
// for what the store has.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Encounter } from '@medplum/fhirtypes';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore, type ServerProfile } from '../../main/localstore/fhirStore.js';
import type { ApiInfo, MessageDetailResponse } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { CLI } from '../support/agentProcess.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { sharedSampleNames, sharedSamplePath } from '../support/sharedSamples.js';
import { writesPerResource } from '../support/storeWrites.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

let tmp: ReturnType<typeof tempDir> | undefined;
let fhir: LocalFhirStore | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  await agent?.stop();
  await fhir?.close();
  tmp?.cleanup();
  agent = undefined;
  fhir = undefined;
  tmp = undefined;
});

interface Setup {
  profiles: Record<string, ServerProfile>;
  /** Extra keys per destination, e.g. `maxEntriesPerRequest: 40`. */
  extra?: Record<string, string>;
  retry?: string;
}

async function startAgent(s: Setup): Promise<{ inbox: string; dbPath: string }> {
  tmp = tempDir('vhr-recovery-');
  const bases = Object.keys(s.profiles);
  fhir = await startLocalFhirStore({ bases, profiles: s.profiles });
  const inbox = join(tmp.path, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources:
  - { id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: 50 }
destinations:
${bases.map((b) => `  - { id: ${b}, type: fhir, baseUrl: "${fhir!.baseUrl(b)}", timeoutMs: 30000${s.extra?.[b] ? `, ${s.extra[b]}` : ''} }`).join('\n')}
retry: ${s.retry ?? '{ baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }'}
`;
  agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger({ dataDir: tmp.path }) });
  await agent.start();
  return { inbox, dbPath: join(tmp.path, 'vhr-agent.db') };
}

const drop = (inbox: string, name: string, body: string | Buffer) => {
  writeFileSync(join(inbox, `${name}.tmp`), body);
  copyFileSync(join(inbox, `${name}.tmp`), join(inbox, name));
};
const dest = (id: string) => agent!.status().destinations.find((d) => d.id === id)!;

/** Reads the agent's database beside it (WAL): what it decided, not what the store holds. */
function query<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const info = JSON.parse(readFileSync(join(tmp!.path, 'api.json'), 'utf8')) as ApiInfo;
  const res = await fetch(`${info.url}${path}`, { ...init, headers: { Authorization: `Bearer ${info.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as T };
}

/** The generator's largest record: one claim with 500 drug lines, 1,000+ Bundle entries. */
let largestXml: Buffer;
beforeAll(() => {
  const out = tempDir('vhr-largest-');
  try {
    const run = spawnSync(process.execPath, [CLI, 'generate', '--records', '1', '--lines', '500', '--seed', '12', '--out', out.path], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    largestXml = readFileSync(join(out.path, readdirSync(out.path)[0]!));
  } finally {
    out.cleanup();
  }
});

describe('the real claim exports, through the agent', () => {
  it('every record reaches two stores that take at most 50 updates per transaction and check references, no identifier twice', { timeout: 240_000 }, async () => {
    const { inbox, dbPath } = await startAgent({ profiles: { province: 'strict', ministry: 'strict' } });
    const names = sharedSampleNames('xml130').filter((n) => n.endsWith('.xml'));
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const n of names) drop(inbox, n, readFileSync(sharedSamplePath('xml130', n)));
    await waitFor(
      () => {
        const s = agent!.status();
        return s.counts.received >= names.length && s.counts.received === s.counts.converted + s.counts.invalid && s.destinations.every((d) => d.delivered === s.counts.converted && d.pending === 0);
      },
      { timeoutMs: 200_000, what: 'every sample record delivered to both stores' },
    );
    const s = agent!.status();
    expect(s.counts.invalid).toBe(0);
    const records = s.counts.converted;
    expect(records).toBeGreaterThanOrEqual(6);
    // Some records are over the 50-update limit: they went in parts.
    const inParts = query<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM deliveries WHERE parts_total > 1')[0]!.n;
    expect(inParts).toBeGreaterThan(0);
    for (const base of ['province', 'ministry']) {
      const encounters = (await fhir!.search(base, 'Encounter', { _count: '1000' })) as Encounter[];
      const maLk = encounters.map((e) => e.identifier?.find((i) => i.system?.endsWith('/ma-lk'))?.value);
      expect(maLk.length, base).toBe(records);
      expect(new Set(maLk).size, base).toBe(records);
      // Stores that check references on write accepted every part, so none dangles; nothing refused but for size.
      const refused = fhir!.requestLog(base).filter((e) => e.method === 'POST' && e.status >= 400 && e.status !== 400);
      expect(refused, base).toEqual([]);
    }
    expect(s.destinations.map((d) => [d.id, d.rejected])).toEqual([
      ['province', 0],
      ['ministry', 0],
    ]);
  });
});

describe('records larger than a store takes in one request, through the agent', () => {
  it('a 1,000+-entry record reaches a strict, a HAPI-like and an Azure-like store, each resource written once', { timeout: 300_000 }, async () => {
    const { inbox, dbPath } = await startAgent({ profiles: { strict: 'strict', hapi: 'hapi', azure: 'azure' } });
    drop(inbox, 'largest.xml', largestXml);
    await waitFor(() => ['strict', 'hapi', 'azure'].every((d) => dest(d).delivered === 1), { timeoutMs: 240_000, what: 'the large record delivered to the three stores' });

    const [{ entries }] = query<{ entries: number }>(dbPath, 'SELECT resource_count AS entries FROM messages');
    expect(entries).toBeGreaterThanOrEqual(1000);
    await fhir!.settled();
    // The HAPI-like store took the record whole in one transaction: what every store must hold.
    const whole = await writesPerResource(fhir!, 'hapi', 'MedicationRequest');
    expect(whole.length).toBeGreaterThanOrEqual(200);
    for (const base of ['strict', 'hapi', 'azure']) {
      // Each part is a transaction that the store refuses whole when it breaks its rules, so a
      // stored resource was stored by an accepted request: once each, none left out.
      const meds = await writesPerResource(fhir!, base, 'MedicationRequest');
      expect(meds.map((m) => m.id).sort(), base).toEqual(whole.map((m) => m.id).sort());
      expect(meds.filter((m) => m.writes !== 1).map((m) => m.id)).toEqual([]);
      expect(await fhir!.countResources(base, 'Encounter'), base).toBe(1);
      const accepted = fhir!.requestLog(base).filter((e) => e.method === 'POST' && e.status === 200 && !e.fault).length;
      const refused = fhir!.requestLog(base).filter((e) => e.method === 'POST' && e.status === 400).length;
      if (base === 'hapi') expect([accepted, refused]).toEqual([1, 0]);
      else expect(accepted, base).toBeGreaterThan(1);
    }
    // What each store taught: Medplum's words name no number (halved until it fits, ≤ 50);
    // Azure's name 500. HAPI refused nothing.
    const limits = Object.fromEntries(query<{ destination_id: string; max_entries: number }>(dbPath, 'SELECT destination_id, max_entries FROM destination_limits').map((r) => [r.destination_id, r.max_entries]));
    expect(limits.azure).toBe(500);
    expect(limits.strict).toBeLessThanOrEqual(50);
    expect(limits.hapi).toBeUndefined();
  });

  it('a 413 teaches the limit: the record goes in parts at once, and the limit is remembered', { timeout: 120_000 }, async () => {
    const { inbox, dbPath } = await startAgent({ profiles: { province: 'hapi' } });
    fhir!.faults('province').push({ status: 413, method: 'POST', body: '<html><body>413 Request Entity Too Large</body></html>', headers: { 'Content-Type': 'text/html' } });
    drop(inbox, 'claims.xml', envelopeOf(manyClaims(1, 'BIG')));
    await waitFor(() => dest('province').delivered === 1, { what: 'delivered after the 413' });

    const [{ entries }] = query<{ entries: number }>(dbPath, 'SELECT resource_count AS entries FROM messages');
    const [limit] = query<{ max_entries: number; http_status: number }>(dbPath, 'SELECT max_entries, http_status FROM destination_limits WHERE destination_id = ?', 'province');
    // No number in a proxy's page: half of what was refused.
    expect(limit).toEqual({ max_entries: Math.floor(entries / 2), http_status: 413 });
    const posts = fhir!.requestLog('province').filter((e) => e.method === 'POST').map((e) => e.status);
    // Refused once, then parts of at most the learned limit (groups that belong together kept whole).
    const parts = posts.length - 1;
    expect(parts).toBeGreaterThanOrEqual(2);
    expect(posts).toEqual([413, ...Array<number>(parts).fill(200)]);
    const [m] = query<{ id: number }>(dbPath, 'SELECT id FROM messages');
    const detail = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m!.id } }))).body;
    expect(detail.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([['too_large', 413], ...Array.from({ length: parts - 1 }, () => ['part_delivered', 200]), ['delivered', 200]]);
    expect(detail.deliveries[0]).toMatchObject({ state: 'delivered' });
    expect(detail.deliveries[0]!.part).toBeUndefined();
    expect(await fhir!.countResources('province', 'Encounter')).toBe(1);
  });
});

describe('a record in flight in parts', () => {
  it('shows which part is going out on the record page, in the records list and in the status', { timeout: 120_000 }, async () => {
    const { inbox } = await startAgent({ profiles: { province: 'hapi' }, extra: { province: 'maxEntriesPerRequest: 10' } });
    // Each part waits at the store, so the record is seen between parts.
    fhir!.faults('province').push({ delayMs: 400, method: 'POST', times: 100 });
    drop(inbox, 'one.xml', readFileSync(sharedSamplePath('xml130', 'inpatient-30-drugs.xml')));
    let seen: { part: number; of: number } | undefined;
    await waitFor(
      async () => {
        const [m] = (await api<{ items: { id: number }[] }>(pathTo(ROUTES.messages))).body.items;
        if (!m) return false;
        const d = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m.id } }))).body.deliveries[0];
        if (d?.part && d.part.part >= 2) seen = d.part;
        return seen !== undefined;
      },
      { timeoutMs: 60_000, what: 'part 2 or later in flight' },
    );
    expect(seen!.of).toBeGreaterThanOrEqual(seen!.part);
    expect(seen!.of).toBeGreaterThanOrEqual(5);
    const list = (await api<{ items: { deliveries: { destinationId: string; part?: { part: number; of: number } }[] }[] }>(pathTo(ROUTES.records))).body.items;
    const inList = list[0]!.deliveries[0]!;
    expect(inList.part?.of).toBe(seen!.of);
    const inStatus = dest('province').inParts;
    expect(inStatus?.[0]?.of).toBe(seen!.of);
    fhir!.faults('province').clear();
    await waitFor(() => dest('province').delivered === 1, { what: 'delivered' });
    const [m] = (await api<{ items: { id: number }[] }>(pathTo(ROUTES.messages))).body.items;
    const done = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: m!.id } }))).body.deliveries[0]!;
    expect(done.state).toBe('delivered');
    expect(done.part).toBeUndefined();
    expect(dest('province').inParts).toBeUndefined();
  });
});

describe('batch mode, through the agent', () => {
  it('the real exports reach a store that checks references, as batches of independent entries with literal references', { timeout: 240_000 }, async () => {
    const { inbox } = await startAgent({ profiles: { province: 'strict' }, extra: { province: 'mode: batch' } });
    for (const n of ['inpatient-30-drugs.xml', 'outpatient-visit.xml']) drop(inbox, n, readFileSync(sharedSamplePath('xml130', n)));
    await waitFor(() => dest('province').delivered === 2, { timeoutMs: 200_000, what: 'both records delivered in batch mode' });
    const posts = fhir!.requestLog('province').filter((e) => e.method === 'POST');
    // Every request accepted: no entry pointed at something the store did not hold yet.
    expect(posts.filter((e) => e.status !== 200)).toEqual([]);
    expect(posts.length).toBeGreaterThan(2);
    expect(await fhir!.countResources('province', 'Encounter')).toBe(2);
    // No urn:uuid left in what the store holds: every reference is a literal Type/id that resolves.
    for (const type of ['Encounter', 'Claim', 'MedicationRequest', 'Observation']) {
      for (const r of await fhir!.search('province', type, { _count: '1000' })) expect(JSON.stringify(r), type).not.toContain('urn:uuid:');
    }
  });
});

describe('recovery after an outage', () => {
  it('a store down long enough for the backoff to pass a minute: the healthy one gets everything at once, the other its backlog as soon as it answers', { timeout: 180_000 }, async () => {
    // A record's first retry is 70 s away here, as after a long outage; the probe, every
    // second here instead of every 30 s, is what must bring the store back well before that.
    const { inbox, dbPath } = await startAgent({
      profiles: { province: 'strict', ministry: 'strict' },
      retry: '{ baseDelayMs: 70000, maxDelayMs: 600000, jitter: 0, probeIntervalMs: 1000 }',
    });
    fhir!.faults('province').push({ status: 503, times: 1_000_000, headers: { 'Retry-After': '1' } });
    drop(inbox, 'claims.xml', envelopeOf(manyClaims(6, 'OUT')));
    await waitFor(() => dest('ministry').delivered === 6, { what: 'the healthy store has everything' });
    // Down, three probes refused, and every record tried waits more than a minute for its own retry.
    const probes = () => fhir!.requestLog('province').filter((e) => e.method === 'GET' && e.path === '/metadata' && e.status === 503).length;
    await waitFor(() => dest('province').state === 'down' && probes() >= 3, { timeoutMs: 60_000, what: 'province down and probed' });
    const waiting = query<{ next: number }>(dbPath, "SELECT next_attempt_at AS next FROM deliveries WHERE destination_id = 'province' AND state = 'retry_wait'");
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(waiting.every((r) => r.next > Date.now() + 60_000)).toBe(true);
    expect(dest('province').delivered).toBe(0);

    fhir!.faults('province').clear();
    // Well inside the records' own backoff: only the probe can have resumed them.
    await waitFor(() => dest('province').delivered === 6, { timeoutMs: 30_000, what: 'the backlog after the store answers' });
    expect(dest('province').state).toBe('ok');
    expect(await fhir!.countResources('province', 'Encounter')).toBe(6);
    const alerts = agent!.store.recentAlerts(10).filter((a) => a.kind === 'destination_down' && a.target === 'province');
    expect(alerts.length).toBe(1);
    expect(alerts[0]!.closedAt).not.toBeNull();
  });
});

describe('never older over newer', () => {
  it('reject v1, deliver v2, resend v1: refused as superseded, the store unchanged', { timeout: 120_000 }, async () => {
    const { inbox, dbPath } = await startAgent({ profiles: { province: 'strict' } });
    fhir!.faults('province').push({ status: 400, method: 'POST', body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Patient.telecom invalid' }] } });
    drop(inbox, 'v1.xml', envelopeOf([{ maLk: 'LKS', hoTen: 'TRẦN THỊ BÌNH' }]));
    await waitFor(() => dest('province').rejected === 1, { what: 'v1 rejected' });
    drop(inbox, 'v2.xml', envelopeOf([{ maLk: 'LKS', hoTen: 'TRẦN THỊ BÌNH AN' }]));
    await waitFor(() => dest('province').delivered === 1, { what: 'v2 delivered' });

    const [v1, v2] = query<{ id: number; version: number }>(dbPath, 'SELECT id, version FROM messages ORDER BY version');
    expect([v1!.version, v2!.version]).toEqual([1, 2]);
    const [d1] = query<{ state: string; superseded_by: number }>(dbPath, 'SELECT state, superseded_by FROM deliveries WHERE message_id = ?', v1!.id);
    expect(d1).toEqual({ state: 'superseded', superseded_by: v2!.id });
    // Not counted as rejected nor as waiting any more.
    expect(dest('province')).toMatchObject({ rejected: 0, pending: 0, delivered: 1 });

    const [patient] = await fhir!.search('province', 'Patient', {});
    const before = (await writesPerResource(fhir!, 'province', 'Patient')).map((p) => p.writes);
    for (const action of [{ action: 'resend', messageId: v1!.id, destinationId: 'province' }, { action: 'retry_message', messageId: v1!.id }]) {
      const r = await api<{ error: string; message: string; newerMessageId: number }>(pathTo(ROUTES.act), { method: 'POST', body: JSON.stringify(action) });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'superseded', newerMessageId: v2!.id });
      expect(r.body.message).toContain('thay thế');
    }
    const detail = (await api<MessageDetailResponse>(pathTo(ROUTES.message, { params: { id: v1!.id } }))).body;
    expect(detail.deliveries[0]).toMatchObject({ state: 'superseded', supersededBy: v2!.id });
    // The store still holds v2, written no more often than before the refused resend.
    const [after] = await fhir!.search('province', 'Patient', {});
    expect((after as { name?: { text?: string }[] }).name?.[0]?.text).toBe('TRẦN THỊ BÌNH AN');
    expect(after!.id).toBe(patient!.id);
    expect((await writesPerResource(fhir!, 'province', 'Patient')).map((p) => p.writes)).toEqual(before);
    expect((await fhir!.search('province', 'Encounter', {})).map((e) => (e as Encounter).identifier?.[0]?.value)).toEqual(['LKS']);
  });
});

// Records larger than a store takes in one request (DESIGN §6, §10 maxEntriesPerRequest):
// the generator's largest records (1,000+ entries) and the real claim exports, split by the
// request planner, reach a real local store of each server profile. The store is the
// oracle: it refuses too-large requests in the real servers' words and, where the profile
// says so, any reference that does not resolve on write.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyEachEntry } from '../../connectors/destinations/fhir/classify.js';
import { planRequests } from '../../connectors/destinations/fhir/requestPlan.js';
import type { PlanMode } from '../../connectors/destinations/fhir/requestPlan.js';
import { learnedEntryLimit } from '../../connectors/destinations/fhir/sizeLimit.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { hosoToXml, splitEnvelope } from '../../connectors/formats/xml130/envelope/envelope.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { startLocalFhirStore } from '../../main/localstore/fhirStore.js';
import type { LocalFhirStore, ServerProfile } from '../../main/localstore/fhirStore.js';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { CLI } from '../support/agentProcess.js';
import { tempDir } from '../support/tempDir.js';

const SAMPLES = join(PACKAGE_ROOT, '..', 'shared', 'samples', 'xml130');
const ctx = { facilityCode: '94170', now: new Date('2026-04-01T00:00:00Z'), profilePack: defaultProfilePack() };

async function recordsOf(xml: Buffer): Promise<Bundle[]> {
  const bundles: Bundle[] = [];
  let header = {};
  for await (const ev of splitEnvelope(Readable.from([xml]))) {
    if (ev.kind === 'header') header = ev.header;
    else {
      const out = convertClaimRecord(hosoToXml(ev.hoso, header), ctx);
      if (!out.ok) throw new Error(out.message);
      bundles.push(out.bundle);
    }
  }
  return bundles;
}

let largest: Bundle;

beforeAll(async () => {
  expect(existsSync(CLI)).toBe(true); // built by `npm test` (tsc) before the tests run
  const tmp = tempDir('vhr-large-');
  try {
    const run = spawnSync(process.execPath, [CLI, 'generate', '--records', '1', '--lines', '500', '--seed', '12', '--out', tmp.path], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const [file] = readdirSync(tmp.path);
    [largest] = (await recordsOf(readFileSync(join(tmp.path, file!)))) as [Bundle];
  } finally {
    tmp.cleanup();
  }
});

let store: LocalFhirStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function post(base: string, bundle: Bundle): Promise<{ status: number; body: any }> {
  const res = await fetch(store!.baseUrl(base), { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' }, body: JSON.stringify(bundle) });
  return { status: res.status, body: await res.json() };
}

interface Delivery {
  /** The limit delivery ended with (undefined: the whole record went in one request). */
  limit: number | undefined;
  /** Limits learned from refusals, in order. */
  learned: number[];
  partSizes: number[];
}

/**
 * Delivers a record as the agent will: plan within the known limit, send the parts in
 * order, and on a size refusal learn a smaller limit and plan again (PUTs by id make the
 * parts already sent harmless to repeat). Fails on any other refusal.
 */
async function deliver(base: string, record: Bundle, mode: PlanMode, limit?: number): Promise<Delivery> {
  const learned: number[] = [];
  for (let round = 0; round < 20; round++) {
    const plan = planRequests(record, { mode, ...(limit !== undefined ? { maxEntriesPerRequest: limit } : {}) });
    if (!plan.ok) throw new Error(plan.message);
    let refusedFor: number | undefined;
    for (const part of plan.parts) {
      const res = await post(base, part.bundle);
      if (res.status !== 200) {
        refusedFor = learnedEntryLimit({ status: res.status, body: res.body, entriesSent: part.bundle.entry!.length });
        if (refusedFor === undefined) throw new Error(`part refused (HTTP ${res.status}): ${JSON.stringify(res.body).slice(0, 500)}`);
        break;
      }
      const failed = classifyEachEntry(res.body).filter((c) => c.kind !== 'delivered');
      if (failed.length) throw new Error(`entries refused: ${failed.map((c) => `${c.entryIndex}: ${c.operationOutcomeText}`).join('; ')}`);
    }
    if (refusedFor === undefined) return { limit, learned, partSizes: plan.parts.map((p) => p.bundle.entry!.length) };
    learned.push(refusedFor);
    limit = refusedFor;
  }
  throw new Error('no limit was learned that the store takes');
}

function typeCounts(record: Bundle): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of record.entry!) counts[e.resource!.resourceType] = (counts[e.resource!.resourceType] ?? 0) + 1;
  return counts;
}

async function expectStored(base: string, record: Bundle): Promise<void> {
  for (const [type, n] of Object.entries(typeCounts(record))) expect([type, await store!.countResources(base, type)]).toEqual([type, n]);
  // One Patient only, whatever the parts: no duplicate identifiers.
  const [patient] = await store!.search(base, 'Patient', {});
  const bhyt = (patient as { identifier?: { system?: string; value?: string }[] }).identifier?.find((i) => i.system?.endsWith('/sid/bhyt'));
  expect(await store!.search(base, 'Patient', { identifier: `${bhyt!.system}|${bhyt!.value}` })).toHaveLength(1);
}

/** The literal reference a stored Observation holds to its Patient. */
async function observationSubject(base: string): Promise<string | undefined> {
  const [observation] = await store!.search(base, 'Observation', { _count: '1' });
  return (observation as Resource & { subject?: { reference?: string } }).subject?.reference;
}

describe('the largest generated records', () => {
  it('are made by `vhr-agent generate --lines` with 1,000+ entries', () => {
    expect(largest.entry!.length).toBeGreaterThanOrEqual(1000);
    expect(typeCounts(largest)).toMatchObject({ Patient: 1, Encounter: 1, Claim: 1 });
  });

  it('strict profile: refused whole in Medplum’s words, then delivered in parts of at most 50, the limit learned from the refusals', { timeout: 120_000 }, async () => {
    store = await startLocalFhirStore({ bases: ['province'], profile: 'strict' });
    const whole = await post('province', largest);
    expect(whole.status).toBe(400);
    expect(whole.body.issue[0].details.text).toBe('Transaction contains more update operations than allowed');

    const delivery = await deliver('province', largest, 'transaction');
    expect(delivery.limit).toBeLessThanOrEqual(50);
    expect(delivery.learned[0]).toBe(Math.floor(largest.entry!.length / 2));
    expect(Math.max(...delivery.partSizes)).toBeLessThanOrEqual(50);
    expect(delivery.partSizes.reduce((a, b) => a + b, 0)).toBe(largest.entry!.length);
    await expectStored('province', largest);
    const patientId = largest.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id;
    expect(await observationSubject('province')).toBe(`Patient/${patientId}`);

    // Again, with the limit known: the same resources, updated in place.
    const again = await deliver('province', largest, 'transaction', 50);
    expect(again.learned).toEqual([]);
    await expectStored('province', largest);
  });

  it('azure profile: the limit of 500 is learned from the refusal that names it', { timeout: 120_000 }, async () => {
    store = await startLocalFhirStore({ bases: ['province'], profile: 'azure' });
    const delivery = await deliver('province', largest, 'transaction');
    expect(delivery.learned).toEqual([500]);
    expect(delivery.partSizes.every((n) => n <= 500)).toBe(true);
    expect(delivery.partSizes).toHaveLength(Math.ceil(largest.entry!.length / 500));
    await expectStored('province', largest);
  });

  it('hapi profile: one transaction with no limit, or parts within a configured one, every reference resolved', { timeout: 120_000 }, async () => {
    store = await startLocalFhirStore({ bases: ['province', 'ministry'], profile: 'hapi' });
    expect(await deliver('province', largest, 'transaction')).toEqual({ limit: undefined, learned: [], partSizes: [largest.entry!.length] });
    await expectStored('province', largest);
    const split = await deliver('ministry', largest, 'transaction', 100);
    expect(split.partSizes.length).toBeGreaterThan(10);
    await expectStored('ministry', largest);
  });

  for (const profile of ['strict', 'hapi'] as ServerProfile[]) {
    it(`${profile} profile: batch mode delivers every entry, references literal and in order`, { timeout: 120_000 }, async () => {
      store = await startLocalFhirStore({ bases: ['province'], profile });
      const delivery = await deliver('province', largest, 'batch', 200);
      expect(delivery.learned).toEqual([]);
      await expectStored('province', largest);
    });
  }
});

describe('the real claim exports', () => {
  it('reach a store that takes at most 50 updates per transaction and checks references, every record', { timeout: 120_000 }, async () => {
    if (!existsSync(SAMPLES)) throw new Error(`missing ${SAMPLES}: the public samples live in ../shared/samples/xml130`);
    store = await startLocalFhirStore({ bases: ['province'], profile: 'strict' });
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(6);
    let over = 0;
    for (const file of files) {
      for (const record of await recordsOf(readFileSync(join(SAMPLES, file)))) {
        if (record.entry!.length > 50) over++;
        const delivery = await deliver('province', record, 'transaction', 50);
        expect(delivery.learned).toEqual([]);
        const encounter = record.entry!.find((e) => e.resource?.resourceType === 'Encounter')!.resource!;
        expect((await store.search('province', 'Encounter', { _id: encounter.id! })).length).toBe(1);
      }
    }
    expect(over).toBeGreaterThanOrEqual(4);
  });
});

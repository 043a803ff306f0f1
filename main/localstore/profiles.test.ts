import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalFhirStore } from './fhirStore.js';
import type { LocalFhirStore, ServerProfile } from './fhirStore.js';

let store: LocalFhirStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function open(profile?: ServerProfile, profiles?: Record<string, ServerProfile>): Promise<LocalFhirStore> {
  store = await startLocalFhirStore({ bases: ['province', 'ministry'], ...(profile ? { profile } : {}), ...(profiles ? { profiles } : {}) });
  return store;
}

async function post(base: string, body: unknown, path = ''): Promise<{ status: number; body: any }> {
  const res = await fetch(store!.baseUrl(base) + path, { method: path ? 'PUT' : 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function texts(outcome: OperationOutcome): string[] {
  return outcome.issue.map((i) => i.details?.text ?? '');
}

const put = (resource: Resource, fullUrl = `urn:uuid:${resource.id}`): BundleEntry => ({ fullUrl, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
const patient = (id = 'p-1'): Resource => ({ resourceType: 'Patient', id, gender: 'female' });
const observation = (i: number, subject: string): Resource => ({
  resourceType: 'Observation',
  id: `obs-${i}`,
  status: 'final',
  code: { text: `chỉ số ${i}` },
  subject: { reference: subject },
});

/** A Patient and `n - 1` Observations that point at it by `urn:uuid:`: `n` PUT entries. */
function record(n: number, type: 'transaction' | 'batch' = 'transaction'): Bundle {
  const entries = [put(patient())];
  for (let i = 1; i < n; i++) entries.push(put(observation(i, 'urn:uuid:p-1')));
  return { resourceType: 'Bundle', type, entry: entries };
}

describe('server profiles of the local store', () => {
  it('is strict by default, and each endpoint can take its own profile', async () => {
    await open(undefined, { ministry: 'azure' });
    expect(store!.profile('province')).toBe('strict');
    expect(store!.profile('ministry')).toBe('azure');
    await store!.close();
    store = undefined;
    await expect(startLocalFhirStore({ bases: ['province'], profile: 'medplum' as ServerProfile })).rejects.toThrow(/unknown server profile "medplum"/);
    await expect(startLocalFhirStore({ bases: ['province'], profiles: { district: 'hapi' } })).rejects.toThrow(/unknown base "district"/);
  });

  it('answers /metadata in every profile', async () => {
    await open('strict', { ministry: 'hapi' });
    for (const base of ['province', 'ministry']) {
      const res = await fetch(`${store!.baseUrl(base)}/metadata`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Resource).resourceType).toBe('CapabilityStatement');
    }
    await store!.close();
    await open('azure');
    expect((await fetch(`${store!.baseUrl('province')}/metadata`)).status).toBe(200);
  });
});

describe('strict profile (Medplum-like)', () => {
  it('refuses a transaction of more than 50 updates in Medplum’s words, and stores nothing', async () => {
    await open('strict');
    const res = await post('province', record(51));
    expect(res.status).toBe(400);
    expect(texts(res.body)).toEqual(['Transaction contains more update operations than allowed']);
    expect(await store!.countResources('province', 'Observation')).toBe(0);

    const fits = await post('province', record(50));
    expect(fits.status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(49);
  });

  it('takes a batch of any size: the limit is on transactions', async () => {
    await open('strict');
    const first = await post('province', { resourceType: 'Bundle', type: 'batch', entry: [put(patient())] });
    expect(first.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual(['201']);
    const bundle = record(80, 'batch');
    bundle.entry = bundle.entry!.slice(1).map((e) => put({ ...(e.resource as Resource), subject: { reference: 'Patient/p-1' } } as Resource));
    const res = await post('province', bundle);
    expect(res.status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(79);
  });

  it('refuses a transaction whose reference names nothing stored and nothing in it', async () => {
    await open('strict');
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [put(observation(1, 'Patient/nobody')), put(observation(2, 'urn:uuid:not-in-bundle'))] };
    const res = await post('province', bundle);
    expect(res.status).toBe(400);
    expect(texts(res.body)).toEqual([
      'Resource Patient/nobody not found, specified in path: Bundle.entry[0].resource.subject',
      'Reference urn:uuid:not-in-bundle does not resolve: no entry of this transaction has that fullUrl',
    ]);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.subject']);
    expect(await store!.countResources('province', 'Observation')).toBe(0);
  });

  it('resolves references to the same transaction (by fullUrl or Type/id) and to stored resources', async () => {
    await open('strict');
    const byPlaceholder = await post('province', record(3));
    expect(byPlaceholder.status).toBe(200);
    const byLiteral: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [put(observation(7, 'Patient/p-2')), put(patient('p-2'))] };
    expect((await post('province', byLiteral)).status).toBe(200);
    const toStored: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [put(observation(8, `${store!.baseUrl('province')}/Patient/p-1`))] };
    expect((await post('province', toStored)).status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(4);
  });

  it('checks a batch entry against what is stored before it: earlier entries count, later ones and fullUrls do not', async () => {
    await open('strict');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [put(observation(1, 'Patient/p-3')), put(patient('p-3')), put(observation(2, 'Patient/p-3')), put(observation(3, 'urn:uuid:p-3'))],
    };
    const res = await post('province', bundle);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual(['400', '201', '201', '400']);
    expect(texts(res.body.entry[0].response.outcome)).toEqual(['Resource Patient/p-3 not found, specified in path: Bundle.entry[0].resource.subject']);
    expect(texts(res.body.entry[3].response.outcome)).toEqual([
      'Reference urn:uuid:p-3 does not resolve: batch entries are independent and cannot point at each other by fullUrl',
    ]);
    expect((await store!.search('province', 'Observation', {})).map((o) => o.id)).toEqual(['obs-2']);
  });

  it('refuses a direct write whose reference names nothing stored', async () => {
    await open('strict');
    const res = await post('province', observation(1, 'Patient/nobody'), '/Observation/obs-1');
    expect(res.status).toBe(400);
    expect(texts(res.body)).toEqual(['Resource Patient/nobody not found, specified in path: Observation.subject']);
    await post('province', patient('nobody'), '/Patient/nobody');
    expect((await post('province', observation(1, 'Patient/nobody'), '/Observation/obs-1')).status).toBe(201);
  });
});

describe('hapi profile', () => {
  it('takes a transaction of any size but checks its references', async () => {
    await open('hapi');
    const big = await post('province', record(600));
    expect(big.status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(599);
    const dangling: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [put(observation(1, 'Patient/nobody'))] };
    const res = await post('province', dangling);
    expect(res.status).toBe(400);
    expect(texts(res.body)).toEqual(['Resource Patient/nobody not found, specified in path: Bundle.entry[0].resource.subject']);
  });
});

describe('azure profile', () => {
  it('refuses a transaction or batch of more than 500 entries, naming the limit', async () => {
    await open('azure');
    for (const type of ['transaction', 'batch'] as const) {
      const res = await post('province', record(501, type));
      expect(res.status).toBe(400);
      expect(texts(res.body)).toEqual(['The number of entries in the bundle exceeded the configured limit of 500.']);
    }
    expect(await store!.countResources('province', 'Observation')).toBe(0);
    expect((await post('province', record(500))).status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(499);
  });

  it('stores references it cannot resolve, as the real service does', async () => {
    await open('azure');
    const dangling: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [put(observation(1, 'Patient/nobody'))] };
    expect((await post('province', dangling)).status).toBe(200);
    expect(await store!.countResources('province', 'Observation')).toBe(1);
  });
});

import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleIds, sampleTransaction, SAMPLE_SYSTEMS } from '../../test/support/sampleFhirBundles.js';
import { waitFor } from '../../test/support/waitFor.js';
import { startLocalFhirStore } from './fhirStore.js';
import type { LocalFhirStore } from './fhirStore.js';

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

let store: LocalFhirStore;

async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const res = await fetch(store.baseUrl(base) + path, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

async function counts(base = 'province'): Promise<[number, number, number]> {
  return [await store.countResources(base, 'Organization'), await store.countResources(base, 'Patient'), await store.countResources(base, 'Encounter')];
}

function firstIssue(outcome: OperationOutcome): { text?: string; expression?: string[] } {
  const issue = outcome.issue[0]!;
  return { text: issue.details?.text, expression: issue.expression };
}

beforeEach(async () => {
  store = await startLocalFhirStore({ bases: ['province', 'ministry'] });
});

afterEach(async () => {
  await store.close();
});

describe('local FHIR store: REST', () => {
  it('listens on loopback with one endpoint per base', () => {
    expect(store.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(store.baseUrl('ministry')).toBe(`${store.url}/ministry/fhir`);
    expect(() => store.baseUrl('district')).toThrow(/unknown base "district"/);
  });

  it('serves a CapabilityStatement at /metadata', async () => {
    const res = await call<CapabilityStatement>('province', 'GET', '/metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(res.body.fhirVersion).toBe('4.0.1');
    expect(res.body.implementation?.url).toBe(store.baseUrl('province'));
    expect(res.body.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
    const patient = res.body.rest?.[0]?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.updateCreate).toBe(true);
    expect(patient?.searchParam?.find((p) => p.name === 'identifier')?.type).toBe('token');
  });

  it('stores a transaction of PUTs, and the same transaction again changes no counts', async () => {
    const first = await call<Bundle>('province', 'POST', '', sampleTransaction());
    expect(first.status).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201', '201']);
    const ids = sampleIds();
    expect(first.body.entry?.[1]?.response?.location).toMatch(new RegExp(`^Patient/${ids.patient}/_history/.+`));
    expect(first.body.entry?.[1]?.response?.etag).toMatch(/^W\/".+"$/);
    expect(await counts()).toEqual([1, 1, 1]);

    const again = await call<Bundle>('province', 'POST', '', sampleTransaction());
    expect(again.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200', '200']);
    expect(await counts()).toEqual([1, 1, 1]);
    expect(await counts('ministry')).toEqual([0, 0, 0]);
  });

  it('finds resources by identifier, pages with _count and counts with _summary=count', async () => {
    await call('province', 'POST', '', sampleTransaction({ cccd: '001', maLk: 'A' }));
    await call('province', 'POST', '', sampleTransaction({ cccd: '002', maLk: 'B' }));

    const byId = await call<Bundle<Patient>>('province', 'GET', `/Patient?identifier=${encodeURIComponent(`${SAMPLE_SYSTEMS.cccd}|002`)}`);
    expect(byId.status).toBe(200);
    expect(byId.body.total).toBe(1);
    expect(byId.body.entry?.[0]?.resource?.id).toBe(sampleIds({ cccd: '002' }).patient);
    expect(byId.body.entry?.[0]?.fullUrl).toBe(`${store.baseUrl('province')}/Patient/${sampleIds({ cccd: '002' }).patient}`);

    const paged = await call<Bundle>('province', 'GET', '/Patient?_count=1');
    expect(paged.body.total).toBe(2);
    expect(paged.body.entry).toHaveLength(1);

    const counted = await call<Bundle>('province', 'GET', '/Encounter?_summary=count');
    expect(counted.body).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 2 });

    const viaApi = await store.search('province', 'Patient', { identifier: `${SAMPLE_SYSTEMS.cccd}|001` });
    expect(viaApi.map((p) => p.id)).toEqual([sampleIds({ cccd: '001' }).patient]);
    expect(await store.search('province', 'Patient', `identifier=${SAMPLE_SYSTEMS.cccd}|999`)).toEqual([]);
  });

  it('reads by id with an ETag, answers 404 with an OperationOutcome for a missing one, and keeps history newest first', async () => {
    const ids = sampleIds();
    await call('province', 'POST', '', sampleTransaction());
    await call('province', 'POST', '', sampleTransaction({ birthDate: '1991-01-01' }));

    const read = await call<Patient>('province', 'GET', `/Patient/${ids.patient}`);
    expect(read.status).toBe(200);
    expect(read.body.birthDate).toBe('1991-01-01');
    expect(read.headers.get('etag')).toBe(`W/"${read.body.meta?.versionId}"`);

    const missing = await call<OperationOutcome>('province', 'GET', '/Patient/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');

    for (let i = 0; i < 2; i++) {
      const history = await call<Bundle<Patient>>('province', 'GET', `/Patient/${ids.patient}/_history`);
      expect(history.body.entry?.map((e) => e.resource?.birthDate)).toEqual(['1991-01-01', '1990-05-17']);
    }
  });

  it('creates with If-None-Exist once, however many times it is sent', async () => {
    const org = { resourceType: 'Organization', identifier: [{ system: SAMPLE_SYSTEMS.facility, value: '01001' }], name: 'BV' };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: org, request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=${SAMPLE_SYSTEMS.facility}|01001` } }],
    };
    expect((await call<Bundle>('province', 'POST', '', bundle)).body.entry?.[0]?.response?.status).toBe('201');
    expect((await call<Bundle>('province', 'POST', '', bundle)).body.entry?.[0]?.response?.status).toBe('200');
    const direct = await call('province', 'POST', '/Organization', org, { 'If-None-Exist': `identifier=${SAMPLE_SYSTEMS.facility}|01001` });
    expect(direct.status).toBe(200);
    expect(await store.countResources('province', 'Organization')).toBe(1);
  });

  it('updates conditionally on identifier: created once, then updated in place', async () => {
    const entry = (gender: string) => ({
      resource: { resourceType: 'Patient', identifier: [{ system: SAMPLE_SYSTEMS.cccd, value: '079200000001' }], gender },
      request: { method: 'PUT', url: `Patient?identifier=${SAMPLE_SYSTEMS.cccd}|079200000001` },
    });
    const first = await call<Bundle>('province', 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [entry('male')] });
    const second = await call<Bundle>('province', 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [entry('female')] });
    expect([first.body.entry?.[0]?.response?.status, second.body.entry?.[0]?.response?.status]).toEqual(['201', '200']);
    const stored = await store.search('province', 'Patient', {});
    expect(stored.map((p) => (p as Patient).gender)).toEqual(['female']);
  });

  it('answers a direct PUT with 201 then 200, a Location and the stored resource', async () => {
    const patient = { resourceType: 'Patient', id: 'p-1', gender: 'female' };
    const created = await call<Patient>('province', 'PUT', '/Patient/p-1', patient);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${store.baseUrl('province')}/Patient/p-1/_history/${created.body.meta?.versionId}`);
    const updated = await call<Patient>('province', 'PUT', '/Patient/p-1', { ...patient, gender: 'male' });
    expect(updated.status).toBe(200);
    expect(updated.body.gender).toBe('male');
    const minimal = await call('province', 'PUT', '/Patient/p-1', patient, { Prefer: 'return=minimal' });
    expect(minimal.status).toBe(200);
    expect(minimal.body).toBeUndefined();
  });

  it('drops entry resources from a transaction-response when asked for return=minimal', async () => {
    const res = await call<Bundle>('province', 'POST', '', sampleTransaction(), { Prefer: 'return=minimal' });
    expect(res.body.entry?.map((e) => [e.response?.status, e.resource])).toEqual([
      ['201', undefined],
      ['201', undefined],
      ['201', undefined],
    ]);
  });
});

describe('local FHIR store: refusing bad requests', () => {
  it('refuses an invalid resource in a transaction with a located OperationOutcome and stores nothing', async () => {
    const res = await call<OperationOutcome>('province', 'POST', '', sampleTransaction({ birthDate: '17/05/1990' }));
    expect(res.status).toBe(400);
    expect(firstIssue(res.body)).toEqual({ text: 'Invalid date format', expression: ['Bundle.entry[1].resource.birthDate'] });
    expect(await counts()).toEqual([0, 0, 0]);
  });

  it('undoes the whole transaction when one entry fails inside the store', async () => {
    await call('province', 'POST', '', sampleTransaction());
    const before = await store.search('province', 'Patient', {});
    const bundle = sampleTransaction({ birthDate: '2001-02-03', maLk: 'LK0002' });
    // The Encounter's URL names another id than its resource: the store refuses that entry.
    bundle.entry![2]!.request!.url = 'Encounter/some-other-id';
    const res = await call<OperationOutcome>('province', 'POST', '', bundle);
    expect(res.status).toBe(400);
    expect(firstIssue(res.body)).toEqual({ text: 'Incorrect resource ID', expression: ['Bundle.entry[2]'] });
    // The Patient update in the same transaction was rolled back to the exact prior version.
    expect(await store.search('province', 'Patient', {})).toEqual(before);
    expect(await counts()).toEqual([1, 1, 1]);
  });

  it('refuses two entries for the same resource in one transaction', async () => {
    const bundle = sampleTransaction();
    // Another fullUrl, so that R4's own bdl-7 (unique fullUrl) does not catch it first.
    bundle.entry!.push({ ...structuredClone(bundle.entry![1]!), fullUrl: 'urn:uuid:0b0b0b0b-1111-4111-8111-111111111111' });
    const res = await call<OperationOutcome>('province', 'POST', '', bundle);
    expect(res.status).toBe(400);
    expect(firstIssue(res.body).expression).toEqual(['Bundle.entry[3].request.url']);
    expect(firstIssue(res.body).text).toMatch(/^Duplicate resource identity Patient\//);
  });

  it('answers each batch entry on its own: the invalid one 400, the others stored', async () => {
    // References are not checked by the azure profile, so only the invalid entry fails.
    await store.close();
    store = await startLocalFhirStore({ bases: ['province', 'ministry'], profile: 'azure' });
    const bundle = { ...sampleTransaction({ birthDate: 'yesterday' }), type: 'batch' as const };
    const res = await call<Bundle>('province', 'POST', '', bundle);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry?.map((e) => e.response?.status)).toEqual(['201', '400', '201']);
    expect(firstIssue(res.body.entry![1]!.response!.outcome as OperationOutcome).expression).toEqual(['Bundle.entry[1].resource.birthDate']);
    expect(await counts()).toEqual([1, 0, 1]);
  });

  it('refuses invalid direct writes, ids, content types, JSON and Bundle types', async () => {
    const badBody = await call<OperationOutcome>('province', 'PUT', '/Patient/p1', { resourceType: 'Patient', id: 'p1', gender: 'male', shoeSize: 42 });
    expect(badBody.status).toBe(400);
    expect(firstIssue(badBody.body)).toEqual({ text: 'Invalid additional property "shoeSize"', expression: ['Patient.shoeSize'] });

    const badId = await call<OperationOutcome>('province', 'PUT', '/Patient/bad_id!', { resourceType: 'Patient', id: 'bad_id!' });
    expect(badId.status).toBe(400);
    expect(firstIssue(badId.body).text).toBe('Invalid resource id "bad_id!" in the URL');

    const xml = await call<OperationOutcome>('province', 'POST', '', '<Bundle/>', { 'Content-Type': 'application/fhir+xml' });
    expect(xml.status).toBe(415);

    const broken = await call<OperationOutcome>('province', 'POST', '', '{"resourceType":');
    expect(broken.status).toBe(400);
    expect(firstIssue(broken.body).text).toMatch(/^Body is not valid JSON/);

    const collection = await call<OperationOutcome>('province', 'POST', '', { resourceType: 'Bundle', type: 'collection', entry: [] });
    expect(collection.status).toBe(400);
    expect(firstIssue(collection.body)).toEqual({ text: 'Bundle.type must be "transaction" or "batch", got "collection"', expression: ['Bundle.type'] });

    expect(await counts()).toEqual([0, 0, 0]);
  });

  it('answers 404 with an OperationOutcome for an unknown base or resource type', async () => {
    const res = await fetch(`${store.url}/district/fhir/metadata`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as OperationOutcome).issue[0]?.details?.text).toBe('No FHIR endpoint at /district/fhir/metadata');
    const type = await call<OperationOutcome>('province', 'GET', '/Spaceship/1');
    expect(type.status).toBe(404);
    expect(firstIssue(type.body).text).toBe('Resource type "Spaceship" is not supported');
  });

  it('stores whatever it is given when validation is off', async () => {
    const lenient = await startLocalFhirStore({ bases: ['demo'], validate: false });
    try {
      const bundle = sampleTransaction({ birthDate: 'not a date' });
      const res = await fetch(lenient.baseUrl('demo'), { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
      expect(res.status).toBe(200);
      expect(await lenient.countResources('demo', 'Patient')).toBe(1);
    } finally {
      await lenient.close();
    }
  });
});

describe('local FHIR store: scripted faults', () => {
  it('answers queued statuses to the next requests, then behaves normally', async () => {
    const faults = store.faults('province');
    faults.push({ status: 503, times: 2 }, { status: 429, headers: { 'Retry-After': '7' } });
    expect(faults.pending()).toBe(3);

    const first = await call<OperationOutcome>('province', 'POST', '', sampleTransaction());
    expect(first.status).toBe(503);
    expect(first.body.issue[0]?.code).toBe('transient');
    expect((await call('province', 'POST', '', sampleTransaction())).status).toBe(503);
    const throttled = await call('province', 'POST', '', sampleTransaction());
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(await counts()).toEqual([0, 0, 0]);

    expect((await call('province', 'POST', '', sampleTransaction())).status).toBe(200);
    expect(faults.pending()).toBe(0);
    expect(store.requestLog('province')).toEqual([
      { method: 'POST', path: '/', status: 503, fault: 'status' },
      { method: 'POST', path: '/', status: 503, fault: 'status' },
      { method: 'POST', path: '/', status: 429, fault: 'status' },
      { method: 'POST', path: '/', status: 200 },
    ]);
    expect(store.requestLog('ministry')).toEqual([]);
  });

  it('answers a scripted body, and applies a fault only to the requests it matches', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'MA_LK đã tồn tại' }] };
    store.faults('province').push({ status: 422, body: outcome, method: 'POST', path: '/' });
    const metadata = await call('province', 'GET', '/metadata');
    expect(metadata.status).toBe(200);
    const rejected = await call('province', 'POST', '', sampleTransaction());
    expect(rejected.status).toBe(422);
    expect(rejected.body).toEqual(outcome);

    store.faults('province').push({ status: 401, path: /^\/Patient/ });
    expect((await call('province', 'GET', '/Encounter?_count=1')).status).toBe(200);
    expect((await call('province', 'GET', '/Patient?_count=1')).status).toBe(401);
  });

  it('resets the connection without answering and stores nothing', async () => {
    store.faults('province').push({ reset: true });
    await expect(call('province', 'POST', '', sampleTransaction())).rejects.toThrow(/fetch failed/);
    expect(await counts()).toEqual([0, 0, 0]);
    expect(store.requestLog('province')).toEqual([{ method: 'POST', path: '/', status: 0, fault: 'reset' }]);
    expect((await call('province', 'POST', '', sampleTransaction())).status).toBe(200);
  });

  it('answers late after a delay, having done the work', async () => {
    store.faults('province').push({ delayMs: 150 });
    const started = performance.now();
    const res = await call('province', 'POST', '', sampleTransaction());
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(store.requestLog('province')).toEqual([{ method: 'POST', path: '/', status: 200, fault: 'delay' }]);
  });

  it('keeps the work of a slow request whose client gave up', async () => {
    store.faults('province').push({ delayMs: 60_000 });
    await expect(
      fetch(store.baseUrl('province'), { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(sampleTransaction()), signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow(/aborted/);
    // The held-back answer ends when the client hangs up, so this does not wait a minute.
    await store.settled();
    expect(await counts()).toEqual([1, 1, 1]);
  });

  it('refuses everything with 503 while down, on that base only', async () => {
    const faults = store.faults('province');
    faults.push({ status: 500 });
    faults.down(true);
    expect(faults.isDown()).toBe(true);
    expect((await call('province', 'GET', '/metadata')).status).toBe(503);
    expect((await call('province', 'POST', '', sampleTransaction())).status).toBe(503);
    expect((await call('ministry', 'POST', '', sampleTransaction())).status).toBe(200);
    faults.down(false);
    // Queued faults wait until the base is back up.
    expect((await call('province', 'GET', '/metadata')).status).toBe(500);
    expect((await call('province', 'GET', '/metadata')).status).toBe(200);
    faults.push({ status: 503 }).push({ reset: true });
    faults.clear();
    expect(faults.pending()).toBe(0);
    expect((await call('province', 'GET', '/metadata')).status).toBe(200);
  });

  it('refuses a fault that repeats zero times', () => {
    expect(() => store.faults('province').push({ status: 503, times: 0 })).toThrow(RangeError);
  });

  it('closes promptly even while an answer is held back', async () => {
    store.faults('province').push({ delayMs: 60_000 });
    const pending = fetch(store.baseUrl('province') + '/metadata').then(
      (r) => r.status,
      (err: Error) => err.message,
    );
    await waitFor(() => store.faults('province').pending() === 0, { what: 'the delayed request to arrive' });
    const started = performance.now();
    await store.close();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await pending).toBe('fetch failed');
    // afterEach closes again: closing twice must be harmless.
  });
});

import type { Bundle } from '@medplum/fhirtypes';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalFhirStore } from '../../../main/localstore/fhirStore.js';
import type { LocalFhirStore } from '../../../main/localstore/fhirStore.js';
import { sampleIds, sampleTransaction, SAMPLE_SYSTEMS } from '../../../test/support/sampleFhirBundles.js';
import { FhirClient } from './client.js';
import type { FhirClientConfig } from './client.js';

let store: LocalFhirStore;
const clients: FhirClient[] = [];

function clientFor(base: string, cfg: Partial<FhirClientConfig> = {}): FhirClient {
  const client = new FhirClient({ baseUrl: store.baseUrl(base), mode: 'transaction', timeoutMs: 5_000, ...cfg });
  clients.push(client);
  return client;
}

async function counts(base = 'province'): Promise<[number, number, number]> {
  return [await store.countResources(base, 'Organization'), await store.countResources(base, 'Patient'), await store.countResources(base, 'Encounter')];
}

beforeEach(async () => {
  store = await startLocalFhirStore({ bases: ['province', 'ministry'] });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await store.close();
});

describe('FhirClient against the local store', () => {
  it('delivers a transaction, and delivering it again changes nothing at the store', async () => {
    const client = clientFor('province');
    const first = await client.send(sampleTransaction());
    expect(first.classification).toMatchObject({ kind: 'delivered', code: 'DELIVERED', httpStatus: 200 });
    expect(first.responseSummary).toBe('HTTP 200 transaction-response: 201×3');
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(await counts()).toEqual([1, 1, 1]);

    const again = await client.send(sampleTransaction());
    expect(again.classification.kind).toBe('delivered');
    expect(again.responseSummary).toBe('HTTP 200 transaction-response: 200×3');
    expect(await counts()).toEqual([1, 1, 1]);
    expect(await counts('ministry')).toEqual([0, 0, 0]);
  });

  it('delivered resources can be found by identifier and read by id', async () => {
    await clientFor('province').send(sampleTransaction({ cccd: '038095000111' }));
    const found = await store.search('province', 'Patient', { identifier: `${SAMPLE_SYSTEMS.cccd}|038095000111` });
    expect(found.map((p) => p.id)).toEqual([sampleIds({ cccd: '038095000111' }).patient]);
    const res = await fetch(`${store.baseUrl('province')}/Encounter/${sampleIds().encounter}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { subject: { reference: string } }).subject.reference).toBe(`Patient/${sampleIds({ cccd: '038095000111' }).patient}`);
  });

  it('an invalid record is rejected with the store’s own words, and nothing is stored', async () => {
    const result = await clientFor('province').send(sampleTransaction({ birthDate: '1990-02-30x' }));
    expect(result.classification).toMatchObject({
      kind: 'rejected',
      code: 'HTTP_400',
      httpStatus: 400,
      operationOutcomeText: 'Invalid date format (Bundle.entry[1].resource.birthDate)',
    });
    expect(result.classification.message).toContain('Invalid date format (Bundle.entry[1].resource.birthDate)');
    expect(result.responseSummary).toBe('HTTP 400 OperationOutcome (1 issue)');
    expect(await counts()).toEqual([0, 0, 0]);
  });

  it('503 is transient, and the next attempt delivers', async () => {
    store.faults('province').push({ status: 503 });
    const client = clientFor('province');
    expect((await client.send(sampleTransaction())).classification).toMatchObject({ kind: 'transient', code: 'HTTP_503', httpStatus: 503 });
    expect((await client.send(sampleTransaction())).classification.kind).toBe('delivered');
    expect(store.requestLog('province').map((r) => r.status)).toEqual([503, 200]);
  });

  it('a proxy’s HTML error page is classified by its status alone', async () => {
    store.faults('province').push({ status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'Content-Type': 'text/html' } });
    const result = await clientFor('province').send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'transient', code: 'HTTP_502', httpStatus: 502 });
    expect(result.classification.operationOutcomeText).toBeUndefined();
    expect(result.responseSummary).toBe('HTTP 502');
  });

  it('429 with Retry-After in seconds or as an HTTP-date gives retryAfterMs', async () => {
    const now = new Date('2025-06-01T03:00:00Z');
    store.faults('province').push({ status: 429, headers: { 'Retry-After': '7' } }, { status: 429, headers: { 'Retry-After': 'Sun, 01 Jun 2025 03:00:42 GMT' } });
    const client = clientFor('province');
    expect((await client.send(sampleTransaction(), { now })).classification).toMatchObject({ kind: 'transient', code: 'HTTP_429', retryAfterMs: 7_000 });
    expect((await client.send(sampleTransaction(), { now })).classification).toMatchObject({ kind: 'transient', code: 'HTTP_429', retryAfterMs: 42_000 });
  });

  it('a reset connection is a transient network failure', async () => {
    store.faults('province').push({ reset: true });
    const result = await clientFor('province').send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'transient', code: 'NET_ECONNRESET', requestSent: true });
    expect(result.responseSummary).toMatch(/^ECONNRESET after \d+ ms \(request sent\)$/);
    expect(await counts()).toEqual([0, 0, 0]);
  });

  it('no answer within timeoutMs after sending is ambiguous, and resending is harmless', async () => {
    store.faults('province').push({ delayMs: 30_000 });
    const client = clientFor('province', { timeoutMs: 150 });
    const result = await client.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'ambiguous', code: 'TIMEOUT_AFTER_SEND', requestSent: true });
    expect(result.durationMs).toBeGreaterThanOrEqual(140);
    expect(result.durationMs).toBeLessThan(5_000);
    // The slow store did the work although nobody heard its answer.
    await store.settled();
    expect(await counts()).toEqual([1, 1, 1]);
    expect((await client.send(sampleTransaction())).classification.kind).toBe('delivered');
    expect(await counts()).toEqual([1, 1, 1]);
  });

  it('401 and 403 are auth problems', async () => {
    store.faults('province').push({ status: 401 }, { status: 403 });
    const client = clientFor('province');
    expect((await client.send(sampleTransaction())).classification).toMatchObject({ kind: 'auth', code: 'HTTP_401', httpStatus: 401, operationOutcomeText: 'Authentication required' });
    expect((await client.send(sampleTransaction())).classification).toMatchObject({ kind: 'auth', code: 'HTTP_403' });
  });

  it('a 400 OperationOutcome from the store is shown in its words', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', details: { text: 'Mã cơ sở KCB không thuộc tỉnh' } }] };
    store.faults('province').push({ status: 400, body: outcome });
    const result = await clientFor('province').send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'rejected', code: 'HTTP_400', operationOutcomeText: 'Mã cơ sở KCB không thuộc tỉnh' });
    expect(result.classification.messageVi).toBe('Kho dữ liệu từ chối hồ sơ (HTTP 400): Mã cơ sở KCB không thuộc tỉnh. Sửa dữ liệu rồi gửi lại.');
  });

  it('a wrong base path is misconfigured', async () => {
    const client = new FhirClient({ baseUrl: `${store.url}/provice/fhir` });
    clients.push(client);
    const result = await client.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_NOT_FOUND', httpStatus: 404 });
    const metadata = await client.metadata();
    expect(metadata.ok).toBe(false);
    expect(metadata.classification?.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('a closed port is a transient refusal, before anything was sent', async () => {
    const baseUrl = store.baseUrl('province');
    await store.close();
    const client = new FhirClient({ baseUrl });
    clients.push(client);
    const result = await client.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'transient', code: 'NET_ECONNREFUSED', requestSent: false });
    expect(result.responseSummary).toMatch(/^ECONNREFUSED after \d+ ms \(request not sent\)$/);
    store = await startLocalFhirStore({ bases: ['province'] });
  });

  it('a store that is down answers 503 until it comes back', async () => {
    const client = clientFor('province');
    store.faults('province').down(true);
    expect((await client.send(sampleTransaction())).classification.code).toBe('HTTP_503');
    expect((await client.metadata()).classification).toMatchObject({ kind: 'transient', code: 'HTTP_503' });
    store.faults('province').down(false);
    expect((await client.send(sampleTransaction())).classification.kind).toBe('delivered');
  });

  it('batch mode sends a batch without touching the caller’s Bundle; a bad entry rejects the record', async () => {
    const bundle = sampleTransaction({ birthDate: 'in 1990' });
    const result = await clientFor('province', { mode: 'batch' }).send(bundle);
    expect(bundle.type).toBe('transaction');
    // The store checks references on write (strict profile): the Encounter's urn:uuid:
    // reference to the Patient cannot resolve in a batch, so it is refused too.
    expect(result.responseSummary).toBe('HTTP 200 batch-response: 201×1 400×2');
    expect(result.classification).toMatchObject({
      kind: 'rejected',
      code: 'ENTRY_HTTP_400',
      entryIndex: 1,
      operationOutcomeText: 'Invalid date format (Bundle.entry[1].resource.birthDate)',
    });
    expect(await counts()).toEqual([1, 0, 0]);
  });

  it('metadata() returns the CapabilityStatement', async () => {
    const metadata = await clientFor('ministry').metadata();
    expect(metadata.ok).toBe(true);
    expect(metadata.classification).toBeUndefined();
    expect(metadata.capability?.fhirVersion).toBe('4.0.1');
    expect(metadata.capability?.rest?.[0]?.interaction?.map((i) => i.code)).toContain('transaction');
  });

  it('an unusable base URL is misconfigured without any request', async () => {
    const result = await new FhirClient({ baseUrl: 'ftp://fhir.example.vn/fhir' }).send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'misconfigured', code: 'INVALID_URL' });
    expect((await new FhirClient({ baseUrl: 'not a url' }).send(sampleTransaction())).classification.code).toBe('INVALID_URL');
  });
});

describe('FhirClient against scripted servers', () => {
  let server: Server | undefined;
  let tcp: TcpServer | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
    if (tcp) {
      await new Promise((r) => tcp!.close(r));
      tcp = undefined;
    }
  });

  async function serve(handler: (headers: IncomingHttpHeaders, body: string) => { status: number; contentType?: string; body: string }): Promise<string> {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = handler(req.headers, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/fhir+json' });
        res.end(answer.body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  }

  it('sends FHIR JSON with the auth headers of the moment and asks for a minimal answer', async () => {
    const seen: { headers: IncomingHttpHeaders; bundle: Bundle }[] = [];
    const baseUrl = await serve((headers, body) => {
      seen.push({ headers, bundle: JSON.parse(body) as Bundle });
      return { status: 200, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201 Created' } }] }) };
    });
    let token = 0;
    const client = new FhirClient({ baseUrl: `${baseUrl}/`, headers: async () => ({ Authorization: `Bearer token-${++token}` }) });
    clients.push(client);
    await client.send(sampleTransaction());
    const result = await client.send(sampleTransaction());
    expect(result.classification.kind).toBe('delivered');
    expect(result.responseSummary).toBe('HTTP 200 transaction-response: 201×1');
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(seen[0]!.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(seen[0]!.headers.accept).toBe('application/fhir+json');
    expect(seen[0]!.headers.prefer).toBe('return=minimal');
    expect(seen[0]!.bundle).toEqual(sampleTransaction());
  });

  it('a 200 web page instead of a FHIR answer is misconfigured', async () => {
    const baseUrl = await serve(() => ({ status: 200, contentType: 'text/html', body: '<html>Wi-Fi login</html>' }));
    const client = new FhirClient({ baseUrl });
    clients.push(client);
    const result = await client.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'misconfigured', code: 'UNEXPECTED_RESPONSE', httpStatus: 200 });
    expect(result.responseSummary).toBe('HTTP 200');
  });

  it('credentials that cannot be obtained pause the destination; an unreachable token server is transient', async () => {
    let requests = 0;
    const baseUrl = await serve(() => {
      requests++;
      return { status: 500, body: '' };
    });
    const broken = new FhirClient({ baseUrl, headers: () => Promise.reject(new Error('client secret missing')) });
    clients.push(broken);
    const result = await broken.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'auth', code: 'AUTH_HEADERS_FAILED' });
    expect(result.classification.message).toContain('client secret missing');
    expect(result.responseSummary).toBe('credentials unavailable');

    const offline = new FhirClient({ baseUrl, headers: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) });
    clients.push(offline);
    expect((await offline.send(sampleTransaction())).classification).toMatchObject({ kind: 'transient', code: 'NET_ECONNREFUSED', requestSent: false });
    expect(requests).toBe(0);
  });

  it('a deadline that passes before the body is written is transient, not ambiguous', async () => {
    // A server that accepts connections but never reads: a large body cannot be written out.
    tcp = createTcpServer((socket) => {
      socket.pause();
      sockets.push(socket);
    });
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const client = new FhirClient({ baseUrl: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/fhir`, timeoutMs: 300 });
    clients.push(client);
    const big = sampleTransaction();
    (big.entry![0]!.resource as { name?: string }).name = 'x'.repeat(64 * 1024 * 1024);
    const result = await client.send(big);
    expect(result.classification).toMatchObject({ kind: 'transient', code: 'TIMEOUT_BEFORE_SEND', requestSent: false });
    expect(result.responseSummary).toMatch(/^VHR_REQUEST_TIMEOUT after \d+ ms \(request not sent\)$/);
  });
});

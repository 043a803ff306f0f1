import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { startLocalFhirStore } from '../../../main/localstore/fhirStore.js';
import type { LocalFhirStore } from '../../../main/localstore/fhirStore.js';
import { sampleTransaction } from '../../../test/support/sampleFhirBundles.js';
import { tempDir } from '../../../test/support/tempDir.js';
import type { FhirClient } from './client.js';
import { createDestinationClient } from './destination.js';
import { scriptedServer } from '../../../test/support/fhirTestkit.js';
import type { ScriptedServer } from '../../../test/support/fhirTestkit.js';

const TRANSACTION_RESPONSE = { resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '200 OK' } }] };
let dir: { path: string; cleanup: () => void };
let server: ScriptedServer | undefined;
let store: LocalFhirStore | undefined;
const clients: FhirClient[] = [];

beforeEach(() => {
  dir = tempDir('vhr-dest-');
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  await store?.close();
  server = undefined;
  store = undefined;
  dir.cleanup();
});

function cfg(baseUrl: string, extra: Partial<DestinationConfig> = {}): DestinationConfig {
  return { id: 'province', type: 'fhir', baseUrl, auth: { type: 'none' }, mode: 'transaction', timeoutMs: 5_000, concurrency: 1, maxBatch: 20, ...extra };
}

function track(c: FhirClient): FhirClient {
  clients.push(c);
  return c;
}

describe('createDestinationClient', () => {
  it('delivers to the local store with the configured mode', async () => {
    store = await startLocalFhirStore({ bases: ['province'] });
    const client = track(createDestinationClient(cfg(store.baseUrl('province'), { mode: 'batch' })));
    const result = await client.send(sampleTransaction());
    expect(result.responseSummary).toBe('HTTP 200 batch-response: 201×3');
    expect(client.mode).toBe('batch');
  });

  it('bearer: reads the token file once, and again after a 401 so that a rotated token is used', async () => {
    const tokenFile = join(dir.path, 'province.token');
    const writeToken = (t: string) => {
      writeFileSync(tokenFile, `${t}\n`);
      chmodSync(tokenFile, 0o600);
    };
    writeToken('first-token');
    let accepted = 'first-token';
    server = await scriptedServer((req) => (req.headers.authorization === `Bearer ${accepted}` ? { status: 200, body: TRANSACTION_RESPONSE } : { status: 401 }));
    const client = track(createDestinationClient(cfg(`${server.url}/fhir`, { auth: { type: 'bearer', token: `file:${tokenFile}` } })));
    expect((await client.send(sampleTransaction())).classification.kind).toBe('delivered');

    // The store rotates the token and IT writes the new one to the file.
    accepted = 'second-token';
    writeToken('second-token');
    const result = await client.send(sampleTransaction());
    expect(result.classification.kind).toBe('delivered');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first-token', 'Bearer first-token', 'Bearer second-token']);

    // Refused while the file still holds the same token: no retry, the destination pauses.
    accepted = 'third-token';
    const refused = await client.send(sampleTransaction());
    expect(refused.classification).toMatchObject({ kind: 'auth', code: 'HTTP_401' });
    expect(server.requests.map((r) => r.headers.authorization).slice(3)).toEqual(['Bearer second-token']);
    expect(JSON.stringify([result, refused])).not.toContain('second-token');
  });

  it('bearer: a token file other accounts can read pauses the destination with the fix', async () => {
    const tokenFile = join(dir.path, 'open.token');
    writeFileSync(tokenFile, 'secret-in-open-file');
    chmodSync(tokenFile, 0o644);
    server = await scriptedServer(() => ({ status: 200, body: TRANSACTION_RESPONSE }));
    const result = await track(createDestinationClient(cfg(`${server.url}/fhir`, { auth: { type: 'bearer', token: `file:${tokenFile}` } }))).send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'auth', code: 'AUTH_HEADERS_FAILED' });
    expect(result.classification.message).toBe(
      `Could not obtain credentials for the store: the secret file ${tokenFile} can be read or changed by other accounts (mode 0644); allow only the agent's account: chmod 600 ${tokenFile}. Check the destination's login settings; sending to this destination is paused.`,
    );
    expect(JSON.stringify(result)).not.toContain('secret-in-open-file');
    expect(server.requests).toEqual([]);
  });

  it('a broken TLS setting never throws: every send reports it', async () => {
    const client = track(createDestinationClient(cfg('https://fhir.example.vn/fhir', { tls: { caFile: join(dir.path, 'missing-ca.pem') } })));
    const result = await client.send(sampleTransaction());
    expect(result).toEqual({
      classification: {
        kind: 'misconfigured',
        code: 'TLS_SETUP_FAILED',
        message: `The destination's certificate settings cannot be used: cannot read tls.caFile ${join(dir.path, 'missing-ca.pem')} (ENOENT). Fix the tls settings in the configuration; sending to this destination is paused.`,
        messageVi: `Không dùng được cấu hình chứng chỉ của điểm nhận: cannot read tls.caFile ${join(dir.path, 'missing-ca.pem')} (ENOENT). Sửa mục tls trong cấu hình; việc gửi tới điểm nhận này tạm dừng.`,
      },
      durationMs: 0,
      responseSummary: 'destination setup failed',
    });
    expect((await client.metadata()).classification?.code).toBe('TLS_SETUP_FAILED');
  });
});

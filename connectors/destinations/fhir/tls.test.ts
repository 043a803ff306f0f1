import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { sampleTransaction } from '../../../test/support/sampleFhirBundles.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { httpsOptions } from './client.js';
import type { FhirClient } from './client.js';
import { createDestinationClient } from './destination.js';
import { makeTestPki, scriptedServer } from '../../../test/support/fhirTestkit.js';
import type { ScriptedServer, TestPki } from '../../../test/support/fhirTestkit.js';

const TRANSACTION_RESPONSE = { resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201 Created' } }] };

let dir: { path: string; cleanup: () => void };
let pki: TestPki;
let server: ScriptedServer | undefined;
const clients: FhirClient[] = [];

beforeAll(() => {
  dir = tempDir('vhr-tls-');
  pki = makeTestPki(dir.path);
});
afterAll(() => dir.cleanup());
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

function destination(baseUrl: string, extra: Partial<DestinationConfig> = {}): DestinationConfig {
  return { id: 'province', type: 'fhir', baseUrl, auth: { type: 'none' }, mode: 'transaction', timeoutMs: 5_000, concurrency: 1, maxBatch: 20, ...extra };
}

function client(cfg: DestinationConfig, secrets: Record<string, string> = {}): FhirClient {
  const c = createDestinationClient(cfg, {
    resolveSecret: (ref) => {
      const v = secrets[ref];
      if (v === undefined) throw new Error(`${ref} is not set`);
      return v;
    },
  });
  clients.push(c);
  return c;
}

/** An HTTPS store signed by the test CA that requires a client certificate from it. */
async function mtlsStore(): Promise<ScriptedServer> {
  server = await scriptedServer(() => ({ status: 200, body: TRANSACTION_RESPONSE }), {
    cert: pki.serverCert,
    key: pki.serverKey,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  return server;
}

describe('TLS to a destination', () => {
  it('trusts a private CA given in tls.caFile and presents the client certificate (mTLS)', async () => {
    const store = await mtlsStore();
    const c = client(destination(`${store.url}/fhir`, { auth: { type: 'mtls' }, tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile } }));
    const result = await c.send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'delivered', code: 'DELIVERED', httpStatus: 200 });
    expect(store.requests.map((r) => [r.method, r.url, r.clientCn])).toEqual([['POST', '/fhir', 'hospital-94170']]);
  });

  it('a store that requires a client certificate refuses a client without one: misconfigured, nothing processed', async () => {
    const store = await mtlsStore();
    const result = await client(destination(`${store.url}/fhir`, { tls: { caFile: pki.caFile } })).send(sampleTransaction());
    expect(result.classification).toMatchObject({ kind: 'misconfigured', code: 'TLS_CLIENT_CERTIFICATE' });
    expect(result.classification.message).toContain('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(store.requests).toEqual([]);
  });

  it('a client certificate from a CA the store does not trust gets nothing processed', async () => {
    const store = await mtlsStore();
    const result = await client(destination(`${store.url}/fhir`, { tls: { caFile: pki.caFile, certFile: pki.strangerCertFile, keyFile: pki.strangerKeyFile } })).send(sampleTransaction());
    // A Node store checks the certificate after the handshake and drops the connection without
    // a TLS alert, which looks like any reset; OpenSSL-based stores send "unknown CA" instead
    // (classified in classify.test.ts). The connection check names the likely cause.
    expect(result.classification).toMatchObject({ kind: 'transient', code: 'NET_ECONNRESET' });
    expect(store.requests).toEqual([]);
  });

  it('without the private CA the store is not trusted, even with NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment', async () => {
    server = await scriptedServer(() => ({ status: 200, body: TRANSACTION_RESPONSE }), { cert: pki.selfSignedCert, key: pki.selfSignedKey });
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const result = await client(destination(`${server.url}/fhir`)).send(sampleTransaction());
      expect(result.classification).toMatchObject({ kind: 'misconfigured', code: 'TLS_CERTIFICATE', requestSent: false });
      expect(result.classification.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }
    expect(server.requests).toEqual([]);
  });

  it('verification is forced on whatever options come in', () => {
    const sneaky = { ca: 'x', rejectUnauthorized: false } as Parameters<typeof httpsOptions>[0];
    expect(httpsOptions(sneaky)).toEqual({ ca: 'x', rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  });

  it('an encrypted key is opened with tls.keyPassphrase; the passphrase shows up nowhere', async () => {
    const store = await mtlsStore();
    const cfg = destination(`${store.url}/fhir`, {
      tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientEncryptedKeyFile, keyPassphrase: 'env:KEY_PASS' },
    });
    const ok = await client(cfg, { 'env:KEY_PASS': pki.encryptedKeyPassphrase }).send(sampleTransaction());
    expect(ok.classification.kind).toBe('delivered');

    const wrong = await client(cfg, { 'env:KEY_PASS': 'not-the-passphrase' }).send(sampleTransaction());
    expect(wrong.classification).toMatchObject({ kind: 'misconfigured', code: 'TLS_SETUP_FAILED' });
    expect(wrong.classification.message).toBe(
      "The destination's certificate settings cannot be used: the private key in tls.keyFile could not be decrypted: check tls.keyPassphrase. Fix the tls settings in the configuration; sending to this destination is paused.",
    );
    expect(wrong.responseSummary).toBe('destination setup failed');
    expect(JSON.stringify(wrong)).not.toContain('not-the-passphrase');
    expect(JSON.stringify(ok)).not.toContain(pki.encryptedKeyPassphrase);
    expect(store.requests).toHaveLength(1);
  });

  it('a private key that other accounts can read is refused, and so is a missing CA file', async () => {
    const openKey = join(dir.path, 'open.key');
    copyFileSync(pki.clientKeyFile, openKey);
    chmodSync(openKey, 0o640);
    const store = await mtlsStore();
    const open = await client(destination(`${store.url}/fhir`, { tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: openKey } })).send(sampleTransaction());
    expect(open.classification).toMatchObject({ kind: 'misconfigured', code: 'TLS_SETUP_FAILED' });
    expect(open.classification.message).toContain(`tls.keyFile: the secret file ${openKey} can be read or changed by other accounts (mode 0640); allow only the agent's account: chmod 600 ${openKey}`);

    const missing = await client(destination(`${store.url}/fhir`, { tls: { caFile: join(dir.path, 'nope.crt') } })).send(sampleTransaction());
    expect(missing.classification).toMatchObject({ kind: 'misconfigured', code: 'TLS_SETUP_FAILED' });
    expect(missing.classification.message).toContain(`cannot read tls.caFile ${join(dir.path, 'nope.crt')} (ENOENT)`);
    expect(store.requests).toEqual([]);
  });
});

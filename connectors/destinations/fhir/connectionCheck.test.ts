import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { startLocalFhirStore } from '../../../main/localstore/fhirStore.js';
import type { LocalFhirStore } from '../../../main/localstore/fhirStore.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { WRITTEN_RESOURCE_TYPES } from './capabilities.js';
import { testConnection } from './connectionCheck.js';
import type { ConnectionCheck } from './connectionCheck.js';
import { capabilityStatement, makeTestPki, scriptedServer } from '../../../test/support/fhirTestkit.js';
import type { ScriptedServer, TestPki } from '../../../test/support/fhirTestkit.js';

const SECRET = 'client-secret-never-shown';
let dir: { path: string; cleanup: () => void };
let pki: TestPki;
const servers: ScriptedServer[] = [];
let local: LocalFhirStore | undefined;

beforeAll(() => {
  dir = tempDir('vhr-conn-');
  pki = makeTestPki(dir.path);
});
afterAll(() => dir.cleanup());
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await local?.close();
  local = undefined;
});

function destination(baseUrl: string, extra: Partial<DestinationConfig> = {}): DestinationConfig {
  return { id: 'province', type: 'fhir', baseUrl, auth: { type: 'none' }, mode: 'transaction', timeoutMs: 5_000, concurrency: 1, maxBatch: 20, ...extra };
}

const secrets = { resolveSecret: (ref: string) => (ref === 'env:SECRET' ? SECRET : `value-of-${ref}`) };
const summary = (check: ConnectionCheck) => check.steps.map((s) => [s.name, s.ok]);

/** An HTTPS store with mTLS that wants a bearer token from the token server for everything but /metadata. */
async function secureStore(opts: { requireToken?: string; operations?: { name: string; definition: string }[] } = {}): Promise<ScriptedServer> {
  const store = await scriptedServer(
    (req) => {
      if (opts.requireToken && req.headers.authorization !== `Bearer ${opts.requireToken}`) return { status: 401 };
      return { status: 200, body: capabilityStatement({ types: [...WRITTEN_RESOURCE_TYPES], ...(opts.operations ? { operations: opts.operations } : {}) }) };
    },
    { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
  );
  servers.push(store);
  return store;
}

describe('testConnection', () => {
  it('walks every step against the local store over http', async () => {
    local = await startLocalFhirStore({ bases: ['province'] });
    const port = new URL(local.url).port;
    const check = await testConnection(destination(local.baseUrl('province')));
    expect(check).toEqual({
      ok: true,
      warnings: [],
      fhirVersion: '4.0.1',
      software: 'vhr-agent local FHIR store',
      steps: [
        { name: 'dns', ok: true, detail: '127.0.0.1 is an IP address; no name lookup needed.', detailVi: '127.0.0.1 là địa chỉ IP; không cần tra tên.' },
        { name: 'tcp', ok: true, detail: `Connected to 127.0.0.1:${port}.`, detailVi: `Đã kết nối tới 127.0.0.1:${port}.` },
        {
          name: 'tls',
          ok: true,
          detail: 'Not used: the address is http://, so the traffic is not encrypted. Use https:// outside a trusted network.',
          detailVi: 'Không dùng: địa chỉ là http:// nên dữ liệu không được mã hóa. Hãy dùng https:// khi đi qua mạng không tin cậy.',
        },
        { name: 'auth', ok: true, detail: 'No credentials are configured for this destination.', detailVi: 'Điểm nhận này không cấu hình thông tin đăng nhập.' },
        { name: 'metadata', ok: true, detail: 'The store answered: FHIR 4.0.1 (vhr-agent local FHIR store).', detailVi: 'Kho dữ liệu đã trả lời: FHIR 4.0.1 (vhr-agent local FHIR store).' },
        { name: 'capabilities', ok: true, detail: 'The store lists what the transaction mode needs.', detailVi: 'Kho dữ liệu có đủ khả năng mà chế độ gửi transaction cần.' },
      ],
    });
  });

  it('mTLS with a private CA and an OAuth2 token: every step passes and says what it saw', async () => {
    const tokens = await scriptedServer(() => ({ status: 200, body: { access_token: 'tok-A', token_type: 'Bearer', expires_in: 300 } }));
    servers.push(tokens);
    const store = await secureStore({ requireToken: 'tok-A' });
    const check = await testConnection(
      destination(`${store.url}/fhir`, {
        auth: { type: 'oauth2', tokenUrl: `${tokens.url}/token`, clientId: 'hospital-94170', clientSecret: 'env:SECRET', clientAuth: 'basic' },
        tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
      }),
      secrets,
    );
    expect(summary(check)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', true],
      ['auth', true],
      ['metadata', true],
      ['capabilities', true],
    ]);
    expect(check.ok).toBe(true);
    const until = new Date(new X509Certificate(pki.serverCert).validTo).toISOString().slice(0, 10);
    expect(check.steps[2]!.detail).toBe(
      `TLSv1.3; the store's certificate (CN=localhost, issuer CN=vhr test CA, valid until ${until}) is trusted. The client certificate was accepted.`,
    );
    expect(check.steps[3]!.detail).toBe(`An access token was obtained from ${tokens.url}/token.`);
    // The TLS probe goes without credentials; the metadata read carries the token.
    expect(store.requests.map((r) => [r.url, r.headers.authorization, r.clientCn])).toEqual([
      ['/fhir/metadata', undefined, 'hospital-94170'],
      ['/fhir/metadata', 'Bearer tok-A', 'hospital-94170'],
    ]);
    expect(JSON.stringify(check)).not.toContain(SECRET);
    expect(JSON.stringify(check)).not.toContain('tok-A');
  });

  it('without a client certificate the TLS step fails and nothing after it runs', async () => {
    const store = await secureStore();
    const check = await testConnection(destination(`${store.url}/fhir`, { tls: { caFile: pki.caFile } }), secrets);
    expect(summary(check)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', false],
    ]);
    expect(check.ok).toBe(false);
    expect(check.steps[2]!.detail).toBe(
      "The store did not accept this computer's client certificate, or wanted one and got none (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED). Check tls.certFile and tls.keyFile with the store's administrators; sending to this destination is paused.",
    );
    expect(store.requests).toEqual([]);
  });

  it('a client certificate the store drops without an alert is named as the likely cause', async () => {
    const store = await secureStore();
    const check = await testConnection(destination(`${store.url}/fhir`, { tls: { caFile: pki.caFile, certFile: pki.strangerCertFile, keyFile: pki.strangerKeyFile } }), secrets);
    expect(check.steps[2]).toEqual({
      name: 'tls',
      ok: false,
      detail:
        "The store closed the connection right after the secure handshake (ECONNRESET): it probably does not accept this computer's client certificate (tls.certFile). Check it with the store's administrators.",
      detailVi:
        'Kho dữ liệu đóng kết nối ngay sau bước bắt tay bảo mật (ECONNRESET): nhiều khả năng kho không chấp nhận chứng chỉ máy khách của máy này (tls.certFile). Kiểm tra cùng quản trị kho dữ liệu.',
    });
  });

  it('an untrusted store certificate fails the TLS step', async () => {
    const store = await scriptedServer(() => ({ status: 200, body: capabilityStatement() }), { cert: pki.selfSignedCert, key: pki.selfSignedKey });
    servers.push(store);
    const check = await testConnection(destination(`${store.url}/fhir`));
    expect(summary(check)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', false],
    ]);
    expect(check.steps[2]!.detail).toBe(
      "The store's security certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT). Check the address and the certificate (CA) settings; sending to this destination is paused.",
    );
  });

  it('a closed port fails the TCP step; an unknown host fails the DNS step', async () => {
    local = await startLocalFhirStore({ bases: ['province'] });
    const baseUrl = local.baseUrl('province');
    const port = new URL(local.url).port;
    await local.close();
    local = undefined;
    const closed = await testConnection(destination(baseUrl));
    expect(closed.steps.slice(1)).toEqual([
      {
        name: 'tcp',
        ok: false,
        detail: `127.0.0.1:${port} refused the connection: nothing is listening on that port, or the port is wrong.`,
        detailVi: `127.0.0.1:${port} từ chối kết nối: không có dịch vụ ở cổng này, hoặc sai số cổng.`,
      },
    ]);
    const unknown = await testConnection(destination('https://no-such-host.invalid/fhir'));
    expect(summary(unknown)).toEqual([['dns', false]]);
    expect(unknown.steps[0]!.detail).toMatch(/^The host name no-such-host\.invalid (does not exist \(DNS\)\. Check the base URL\.|cannot be looked up now)/);
  });

  it('a bearer token the store refuses: the token was read, the metadata read says 401', async () => {
    const store = await scriptedServer((req) => (req.headers.authorization === 'Bearer right' ? { status: 200, body: capabilityStatement() } : { status: 401 }));
    servers.push(store);
    const check = await testConnection(destination(`${store.url}/fhir`, { auth: { type: 'bearer', token: 'env:PROVINCE_TOKEN' } }), {
      resolveSecret: () => 'wrong',
    });
    expect(check.steps.slice(3)).toEqual([
      { name: 'auth', ok: true, detail: 'The access token (env:PROVINCE_TOKEN) was read.', detailVi: 'Đã đọc được mã truy cập (env:PROVINCE_TOKEN).' },
      {
        name: 'metadata',
        ok: false,
        detail: "The store did not accept the credentials (HTTP 401). Check the destination's login settings; sending to this destination is paused.",
        detailVi: 'Kho dữ liệu không chấp nhận thông tin đăng nhập (HTTP 401). Kiểm tra cấu hình xác thực của điểm nhận; việc gửi tới điểm nhận này tạm dừng.',
      },
    ]);
  });

  it('a token server that refuses the client fails the auth step', async () => {
    const tokens = await scriptedServer(() => ({ status: 401, body: { error: 'invalid_client' } }));
    servers.push(tokens);
    const store = await scriptedServer(() => ({ status: 200, body: capabilityStatement() }));
    servers.push(store);
    const check = await testConnection(
      destination(`${store.url}/fhir`, { auth: { type: 'oauth2', tokenUrl: `${tokens.url}/token`, clientId: 'h', clientSecret: 'env:SECRET', clientAuth: 'post' } }),
      secrets,
    );
    expect(summary(check)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', true],
      ['auth', false],
    ]);
    expect(check.steps[3]!.detail).toBe(
      "The login server refused the agent's client credentials (HTTP 401: invalid_client). Check clientId and clientSecret of this destination; sending to this destination is paused.",
    );
    expect(JSON.stringify(check)).not.toContain(SECRET);
  });

  it('operation mode against a store without $submit-bhyt-claim: reachable, with the capability warning', async () => {
    local = await startLocalFhirStore({ bases: ['province'] });
    const check = await testConnection(destination(local.baseUrl('province'), { mode: 'operation', operationMode: 'test' }));
    expect(check.ok).toBe(false);
    expect(check.steps.map((s) => s.ok)).toEqual([true, true, true, true, true, false]);
    expect(check.warnings.map((w) => w.code)).toEqual(['NO_SUBMIT_OPERATION']);
    expect(check.steps[5]!.detail).toBe(check.warnings[0]!.message);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { sampleTransaction } from '../../../test/support/sampleFhirBundles.js';
import type { FhirClient, SendResult } from './client.js';
import { createDestinationClient } from './destination.js';
import { scriptedServer } from '../../../test/support/fhirTestkit.js';
import type { Answer, ScriptedServer, SeenRequest } from '../../../test/support/fhirTestkit.js';

const SECRET = 'S3cr3t+value/with=signs';
const T0 = Date.parse('2025-06-01T03:00:00Z');
const TRANSACTION_RESPONSE = { resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201 Created' } }] };

let clock: number;
let issued: number;
let tokenAnswer: (req: SeenRequest) => Answer;
let tokenServer: ScriptedServer;
let store: ScriptedServer;
/** Tokens the store accepts right now. */
let valid: Set<string>;
const clients: FhirClient[] = [];
const results: SendResult[] = [];

beforeEach(async () => {
  clock = T0;
  issued = 0;
  valid = new Set();
  tokenAnswer = () => {
    const token = `tok-${++issued}`;
    valid.add(token);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 100 } };
  };
  tokenServer = await scriptedServer((req) => tokenAnswer(req));
  store = await scriptedServer((req) =>
    valid.has(req.headers.authorization?.replace(/^Bearer /, '') ?? '')
      ? { status: 200, body: TRANSACTION_RESPONSE }
      : { status: 401, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'invalid token' }] } },
  );
});

afterEach(async () => {
  // Whatever happened in the test, the secret must not show in what the pipeline stores or logs.
  for (const r of results.splice(0)) expect(JSON.stringify(r)).not.toContain(SECRET);
  for (const c of clients.splice(0)) c.close();
  await tokenServer.close();
  await store.close();
});

function oauthClient(auth: Partial<Extract<DestinationConfig['auth'], { type: 'oauth2' }>> = {}): FhirClient {
  const cfg: DestinationConfig = {
    id: 'province',
    type: 'fhir',
    baseUrl: `${store.url}/fhir`,
    auth: { type: 'oauth2', tokenUrl: `${tokenServer.url}/oauth/token`, clientId: 'hospital-94170', clientSecret: 'env:PROVINCE_SECRET', clientAuth: 'basic', ...auth },
    mode: 'transaction',
    timeoutMs: 5_000,
    concurrency: 4,
    maxBatch: 20,
  };
  const c = createDestinationClient(cfg, {
    resolveSecret: (ref) => {
      if (ref !== 'env:PROVINCE_SECRET') throw new Error(`unexpected reference ${ref}`);
      return SECRET;
    },
    now: () => clock,
  });
  clients.push(c);
  return c;
}

async function send(c: FhirClient): Promise<SendResult> {
  const r = await c.send(sampleTransaction());
  results.push(r);
  return r;
}

describe('OAuth2 client credentials', () => {
  it('gets a token with a form POST and HTTP Basic client authentication, and reuses it', async () => {
    const c = oauthClient({ scope: 'system/*.write', audience: 'https://fhir.province.example' });
    expect((await send(c)).classification).toMatchObject({ kind: 'delivered', code: 'DELIVERED' });
    expect((await send(c)).classification.kind).toBe('delivered');
    expect(tokenServer.requests).toHaveLength(1);
    const [tokenRequest] = tokenServer.requests;
    expect(tokenRequest!.method).toBe('POST');
    expect(tokenRequest!.url).toBe('/oauth/token');
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest!.body).toBe('grant_type=client_credentials&scope=system%2F*.write&audience=https%3A%2F%2Ffhir.province.example');
    // RFC 6749 §2.3.1: the secret is form-encoded before Base64.
    expect(tokenRequest!.headers.authorization).toBe(`Basic ${Buffer.from('hospital-94170:S3cr3t%2Bvalue%2Fwith%3Dsigns').toString('base64')}`);
    expect(store.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('with clientAuth post, the credentials go in the form instead', async () => {
    await send(oauthClient({ clientAuth: 'post' }));
    const [tokenRequest] = tokenServer.requests;
    expect(tokenRequest!.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toEqual({ grant_type: 'client_credentials', client_id: 'hospital-94170', client_secret: SECRET });
  });

  it('refreshes once 80 % of expires_in has passed, not before', async () => {
    const c = oauthClient();
    await send(c);
    clock = T0 + 79_999;
    await send(c);
    expect(tokenServer.requests).toHaveLength(1);
    clock = T0 + 80_000;
    await send(c);
    expect(tokenServer.requests).toHaveLength(2);
    expect(store.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('concurrent sends share one token request', async () => {
    const c = oauthClient();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => send(c)));
    expect(all.map((r) => r.classification.kind)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    expect(tokenServer.requests).toHaveLength(1);
    clock = T0 + 90_000;
    await Promise.all([1, 2, 3].map(() => send(c)));
    expect(tokenServer.requests).toHaveLength(2);
  });

  it('a 401 from the store gets one fresh token and one retry', async () => {
    const c = oauthClient();
    await send(c);
    valid.clear(); // the store revoked tok-1 before it expired
    const result = await send(c);
    expect(result.classification).toMatchObject({ kind: 'delivered', code: 'DELIVERED' });
    expect(store.requests.map((r) => [r.headers.authorization, r.method])).toEqual([
      ['Bearer tok-1', 'POST'],
      ['Bearer tok-1', 'POST'],
      ['Bearer tok-2', 'POST'],
    ]);
    expect(tokenServer.requests).toHaveLength(2);
  });

  it('a store that refuses every token is an auth problem after exactly one retry', async () => {
    tokenAnswer = () => ({ status: 200, body: { access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: 100 } });
    const result = await send(oauthClient());
    expect(result.classification).toMatchObject({ kind: 'auth', code: 'HTTP_401', httpStatus: 401, operationOutcomeText: 'invalid token' });
    expect(store.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(result.responseSummary).toBe('HTTP 401 OperationOutcome (1 issue)');
  });

  it('refused client credentials pause the destination (OAUTH_TOKEN_REFUSED), in words without the secret', async () => {
    tokenAnswer = () => ({ status: 401, body: { error: 'invalid_client', error_description: `client secret ${SECRET} is wrong` } });
    const result = await send(oauthClient());
    expect(result.classification).toEqual({
      kind: 'auth',
      code: 'OAUTH_TOKEN_REFUSED',
      httpStatus: 401,
      message:
        "The login server refused the agent's client credentials (HTTP 401: invalid_client: client secret *** is wrong). Check clientId and clientSecret of this destination; sending to this destination is paused.",
      messageVi:
        'Máy chủ cấp quyền truy cập từ chối thông tin đăng nhập của phần mềm (HTTP 401: invalid_client: client secret *** is wrong). Kiểm tra clientId và clientSecret của điểm nhận; việc gửi tới điểm nhận này tạm dừng.',
    });
    expect(result.responseSummary).toBe('token endpoint: HTTP 401');
    expect(store.requests).toEqual([]);
    tokenAnswer = () => ({ status: 400, body: { error: 'invalid_scope' } });
    expect((await send(oauthClient())).classification).toMatchObject({ kind: 'auth', code: 'OAUTH_TOKEN_REFUSED', httpStatus: 400 });
  });

  it('a token server that is down or unreachable is transient (OAUTH_TOKEN_UNAVAILABLE), with its Retry-After', async () => {
    tokenAnswer = () => ({ status: 503, headers: { 'Retry-After': '30' } });
    const down = await send(oauthClient());
    expect(down.classification).toMatchObject({ kind: 'transient', code: 'OAUTH_TOKEN_UNAVAILABLE', httpStatus: 503, retryAfterMs: 30_000 });
    expect(down.classification.message).toBe('The login server cannot give an access token right now (HTTP 503); the agent will retry automatically.');

    const tokenUrl = `${tokenServer.url}/oauth/token`;
    await tokenServer.close();
    const gone = await send(oauthClient({ tokenUrl }));
    expect(gone.classification).toMatchObject({ kind: 'transient', code: 'OAUTH_TOKEN_UNAVAILABLE' });
    expect(gone.classification.message).toBe('The login server cannot give an access token right now (ECONNREFUSED); the agent will retry automatically.');
    expect(gone.responseSummary).toBe('token endpoint: ECONNREFUSED');
    expect(store.requests).toEqual([]);
    tokenServer = await scriptedServer((req) => tokenAnswer(req));
  });

  it('keeps using a token that is due for refresh while the token server is away, until it expires', async () => {
    const c = oauthClient();
    await send(c);
    tokenAnswer = () => ({ status: 502 });
    clock = T0 + 95_000;
    expect((await send(c)).classification.kind).toBe('delivered');
    clock = T0 + 100_000;
    expect((await send(c)).classification).toMatchObject({ kind: 'transient', code: 'OAUTH_TOKEN_UNAVAILABLE', httpStatus: 502 });
    expect(store.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(tokenServer.requests).toHaveLength(3);
  });

  it('an answer without a usable bearer token means tokenUrl is wrong (misconfigured)', async () => {
    tokenAnswer = () => ({ status: 200, body: '<html>Sign in</html>' });
    expect((await send(oauthClient())).classification).toMatchObject({ kind: 'misconfigured', code: 'OAUTH_TOKEN_ENDPOINT_INVALID', httpStatus: 200 });
    tokenAnswer = () => ({ status: 200, body: { access_token: 'x', token_type: 'mac' } });
    const mac = await send(oauthClient());
    expect(mac.classification.message).toBe(
      'The login server address (tokenUrl) does not work as an OAuth token endpoint (HTTP 200): token_type "mac" is not Bearer. Check tokenUrl of this destination; sending to this destination is paused.',
    );
    tokenAnswer = () => ({ status: 404 });
    expect((await send(oauthClient())).classification).toMatchObject({ kind: 'misconfigured', code: 'OAUTH_TOKEN_ENDPOINT_INVALID', httpStatus: 404 });
  });

  it('a missing client secret is an auth problem naming the reference only', async () => {
    const cfg: DestinationConfig = {
      id: 'province',
      type: 'fhir',
      baseUrl: `${store.url}/fhir`,
      auth: { type: 'oauth2', tokenUrl: `${tokenServer.url}/oauth/token`, clientId: 'hospital-94170', clientSecret: 'env:VHR_TEST_UNSET_SECRET', clientAuth: 'basic' },
      mode: 'transaction',
      timeoutMs: 5_000,
      concurrency: 1,
      maxBatch: 20,
    };
    const c = createDestinationClient(cfg, { now: () => clock });
    clients.push(c);
    const result = await send(c);
    expect(result.classification).toMatchObject({ kind: 'auth', code: 'AUTH_HEADERS_FAILED' });
    expect(result.classification.message).toBe(
      "Could not obtain credentials for the store: the environment variable VHR_TEST_UNSET_SECRET (referenced as env:VHR_TEST_UNSET_SECRET) is not set. Check the destination's login settings; sending to this destination is paused.",
    );
    expect(tokenServer.requests).toEqual([]);
  });
});

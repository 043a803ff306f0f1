import { describe, expect, it } from 'vitest';
import { classify, classifyEachEntry } from './classify.js';
import type { Classification, HttpOutcome } from './classify.js';
import { operationOutcomeText } from './operationOutcome.js';
import { parseRetryAfter } from './retryAfter.js';
import { describe as describeCode } from './deliveryCodes.js';
import { RequestTimeoutError } from './transport.js';

const NOW = new Date('2025-03-01T08:00:00Z');
const VIETNAMESE = /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i;

function http(status: number, body?: unknown, extra: Partial<HttpOutcome> = {}): Classification {
  return classify({ type: 'http', status, body, ...extra }, { now: NOW });
}

function net(code: string | undefined, requestSent = false, extra: Record<string, unknown> = {}): Classification {
  return classify({ type: 'network', error: Object.assign(new Error('boom'), code ? { code } : {}, extra), requestSent });
}

function outcome(...issues: Record<string, unknown>[]): unknown {
  return { resourceType: 'OperationOutcome', issue: issues };
}

function response(type: string, ...entries: { status: string; outcome?: unknown }[]): unknown {
  return { resourceType: 'Bundle', type, entry: entries.map((r) => ({ response: r })) };
}

describe('classify: HTTP answers to a Bundle POST', () => {
  it('a 2xx transaction-response whose entries all succeeded is delivered', () => {
    const c = http(200, response('transaction-response', { status: '201 Created' }, { status: '200' }));
    expect(c).toMatchObject({ kind: 'delivered', code: 'DELIVERED', httpStatus: 200 });
    expect(http(200, response('batch-response', { status: '200 OK' })).kind).toBe('delivered');
  });

  it('a rejected entry rejects the record with that entry’s words and index', () => {
    const c = http(
      200,
      response(
        'batch-response',
        { status: '201' },
        { status: '400 Bad Request', outcome: outcome({ severity: 'error', code: 'invalid', details: { text: 'Invalid date format' }, expression: ['Patient.birthDate'] }) },
      ),
    );
    expect(c).toMatchObject({ kind: 'rejected', code: 'ENTRY_HTTP_400', httpStatus: 400, entryIndex: 1, operationOutcomeText: 'Invalid date format (Patient.birthDate)' });
    expect(c.message).toBe('The store rejected part of the record (entry 2, HTTP 400): Invalid date format (Patient.birthDate). Fix the data, then send it again.');
    expect(c.messageVi).toContain('mục 2');
  });

  it('content errors outrank access errors, which outrank temporary ones', () => {
    expect(http(200, response('batch-response', { status: '503' }, { status: '422' }, { status: '403' }))).toMatchObject({ kind: 'rejected', code: 'ENTRY_HTTP_422', entryIndex: 1 });
    expect(http(200, response('batch-response', { status: '503' }, { status: '403' }))).toMatchObject({ kind: 'auth', code: 'ENTRY_HTTP_403', entryIndex: 1 });
    expect(http(200, response('batch-response', { status: '201' }, { status: '503' }), { headers: { 'Retry-After': '5' } })).toMatchObject({
      kind: 'transient',
      code: 'ENTRY_HTTP_503',
      entryIndex: 1,
      retryAfterMs: 5000,
    });
    expect(http(200, response('batch-response', { status: 'weird' }))).toMatchObject({ kind: 'transient', code: 'ENTRY_HTTP_UNKNOWN', entryIndex: 0 });
  });

  it('a 2xx that is not a response Bundle means the URL is not a FHIR store', () => {
    expect(http(200, undefined)).toMatchObject({ kind: 'misconfigured', code: 'UNEXPECTED_RESPONSE', httpStatus: 200 });
    expect(http(200, { resourceType: 'Bundle', type: 'searchset' }).code).toBe('UNEXPECTED_RESPONSE');
    expect(http(200, undefined).message).toContain('no transaction-response or batch-response Bundle');
  });

  it.each([408, 429, 500, 502, 503, 504])('HTTP %i is transient', (status) => {
    expect(http(status, outcome({ severity: 'error', code: 'transient', diagnostics: 'later' }))).toMatchObject({ kind: 'transient', code: `HTTP_${status}`, httpStatus: status });
  });

  it('Retry-After in seconds or as an HTTP-date becomes retryAfterMs', () => {
    expect(http(429, undefined, { headers: { 'retry-after': '7' } })).toMatchObject({ kind: 'transient', code: 'HTTP_429', retryAfterMs: 7000 });
    expect(http(503, undefined, { headers: { 'Retry-After': 'Sat, 01 Mar 2025 08:01:30 GMT' } }).retryAfterMs).toBe(90_000);
    expect(http(503, undefined, { headers: { 'retry-after': ['12', '99'] } }).retryAfterMs).toBe(12_000);
    expect(http(503, undefined).retryAfterMs).toBeUndefined();
    expect(http(429, undefined, { headers: { 'retry-after': '7' } }).message).toBe('The store is receiving too many requests (HTTP 429); the agent will retry in 7 s.');
  });

  it.each([
    [401, 'HTTP_401'],
    [403, 'HTTP_403'],
    [407, 'HTTP_407'],
  ])('HTTP %i is an auth problem', (status, code) => {
    expect(http(status, outcome({ severity: 'error', code: 'login', diagnostics: 'token expired' }))).toMatchObject({ kind: 'auth', code, httpStatus: status, operationOutcomeText: 'token expired' });
  });

  it('404 on the base means a wrong endpoint; 404 elsewhere is about the resource', () => {
    expect(http(404, undefined)).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_NOT_FOUND', httpStatus: 404 });
    expect(http(404, undefined, { expect: 'capability' }).code).toBe('ENDPOINT_NOT_FOUND');
    expect(http(404, undefined, { expect: 'any' })).toMatchObject({ kind: 'rejected', code: 'HTTP_404' });
  });

  it('an endpoint that cannot take Bundles at all (405, 501) is misconfigured', () => {
    expect(http(405, undefined)).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_UNSUPPORTED', httpStatus: 405 });
    expect(http(501, undefined)).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_UNSUPPORTED', httpStatus: 501 });
  });

  it('a redirect is misconfigured and names the new address', () => {
    const c = http(301, undefined, { headers: { location: 'https://fhir.example.vn/r4' } });
    expect(c).toMatchObject({ kind: 'misconfigured', code: 'ENDPOINT_REDIRECTED', httpStatus: 301 });
    expect(c.message).toContain('to https://fhir.example.vn/r4');
  });

  it.each([400, 409, 410, 412, 413, 415, 422])('HTTP %i rejects the record with the store’s words', (status) => {
    const c = http(status, outcome({ severity: 'error', code: 'invalid', details: { text: 'Encounter.status là bắt buộc' }, expression: ['Bundle.entry[2].resource.status'] }));
    expect(c).toMatchObject({ kind: 'rejected', code: `HTTP_${status}`, httpStatus: status, operationOutcomeText: 'Encounter.status là bắt buộc (Bundle.entry[2].resource.status)' });
    expect(c.message).toBe(`The store rejected the record (HTTP ${status}): Encounter.status là bắt buộc (Bundle.entry[2].resource.status). Fix the data, then send it again.`);
    expect(c.messageVi).toBe(`Kho dữ liệu từ chối hồ sơ (HTTP ${status}): Encounter.status là bắt buộc (Bundle.entry[2].resource.status). Sửa dữ liệu rồi gửi lại.`);
  });

  it('a rejection without an OperationOutcome still says what happened', () => {
    const c = http(400, '<html>bad</html>');
    expect(c.operationOutcomeText).toBeUndefined();
    expect(c.message).toBe('The store rejected the record (HTTP 400). Fix the data, then send it again.');
  });

  it('metadata: a CapabilityStatement is fine, anything else is not a FHIR store', () => {
    expect(http(200, { resourceType: 'CapabilityStatement' }, { expect: 'capability' })).toMatchObject({ kind: 'delivered', code: 'OK' });
    expect(http(200, { hello: 'world' }, { expect: 'capability' })).toMatchObject({ kind: 'misconfigured', code: 'UNEXPECTED_RESPONSE' });
    expect(http(204, undefined, { expect: 'any' })).toMatchObject({ kind: 'delivered', code: 'OK', httpStatus: 204 });
  });
});

describe('classify: network failures', () => {
  it('our timeout after the request went out is ambiguous; before, it is transient', () => {
    expect(classify({ type: 'network', error: new RequestTimeoutError(100), requestSent: true })).toMatchObject({ kind: 'ambiguous', code: 'TIMEOUT_AFTER_SEND', requestSent: true });
    expect(classify({ type: 'network', error: new RequestTimeoutError(100), requestSent: false })).toMatchObject({ kind: 'transient', code: 'TIMEOUT_BEFORE_SEND', requestSent: false });
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(classify({ type: 'network', error: abort, requestSent: true }).code).toBe('TIMEOUT_AFTER_SEND');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])('%s is transient', (code) => {
    expect(net(code, true)).toMatchObject({ kind: 'transient', code: `NET_${code}`, requestSent: true });
  });

  it('undici’s header/body timeouts happen after sending: ambiguous', () => {
    expect(net('UND_ERR_HEADERS_TIMEOUT')).toMatchObject({ kind: 'ambiguous', code: 'TIMEOUT_AFTER_SEND', requestSent: true });
    expect(net('UND_ERR_BODY_TIMEOUT').kind).toBe('ambiguous');
  });

  it('reads the code from fetch’s wrapped cause', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classify({ type: 'network', error, requestSent: false })).toMatchObject({ kind: 'transient', code: 'NET_UND_ERR_SOCKET' });
  });

  it('a host name that does not exist is misconfigured', () => {
    expect(net('ENOTFOUND')).toMatchObject({ kind: 'misconfigured', code: 'DNS_FAILURE' });
  });

  it('an untrusted certificate or a bad URL is misconfigured', () => {
    expect(net('CERT_HAS_EXPIRED')).toMatchObject({ kind: 'misconfigured', code: 'TLS_CERTIFICATE' });
    expect(net('ERR_TLS_CERT_ALTNAME_INVALID').code).toBe('TLS_CERTIFICATE');
    expect(net('ERR_INVALID_URL')).toMatchObject({ kind: 'misconfigured', code: 'INVALID_URL' });
  });

  it('an error without a code is a transient unknown', () => {
    expect(net(undefined)).toMatchObject({ kind: 'transient', code: 'NET_UNKNOWN' });
  });
});

describe('classify: client certificates and the claim operation', () => {
  it('TLS alerts about the client certificate pause the destination, whenever they arrive', () => {
    expect(net('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', true)).toMatchObject({ kind: 'misconfigured', code: 'TLS_CLIENT_CERTIFICATE', requestSent: true });
    expect(net('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toMatchObject({ kind: 'misconfigured', code: 'TLS_CLIENT_CERTIFICATE' });
    expect(net('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE').code).toBe('TLS_CLIENT_CERTIFICATE');
  });

  it('nginx’s 400 page for a missing or bad client certificate is not a rejected record', () => {
    const page = '<html><head><title>400 No required SSL certificate was sent</title></head></html>';
    expect(http(400, undefined, { bodyText: page })).toMatchObject({ kind: 'misconfigured', code: 'TLS_CLIENT_CERTIFICATE', httpStatus: 400 });
    expect(http(400, undefined, { bodyText: '<title>400 The SSL certificate error</title>' }).message).toContain('(HTTP 400)');
    expect(http(400, undefined, { bodyText: '<html>Bad Request</html>' })).toMatchObject({ kind: 'rejected', code: 'HTTP_400' });
  });

  it('a 2xx answer to $submit-bhyt-claim is judged by its issues', () => {
    const op = (status: number, body: unknown) => http(status, body, { expect: 'operation-outcome' });
    expect(op(200, outcome({ severity: 'information', diagnostics: 'ok' }))).toMatchObject({ kind: 'delivered', code: 'DELIVERED' });
    expect(op(201, outcome({ severity: 'fatal', code: 'invalid', diagnostics: 'Sai MA_LK' }))).toMatchObject({ kind: 'rejected', code: 'OPERATION_REJECTED', httpStatus: 201 });
    expect(op(200, outcome({ severity: 'error', code: 'timeout' }, { severity: 'error', code: 'invalid', diagnostics: 'x' })).code).toBe('OPERATION_REJECTED');
    expect(op(200, outcome({ severity: 'error', code: 'transient' }))).toMatchObject({ kind: 'transient', code: 'OPERATION_TRANSIENT' });
    expect(op(202, { resourceType: 'Task', status: 'received' })).toMatchObject({ kind: 'delivered', code: 'DELIVERED', httpStatus: 202 });
    expect(op(204, undefined)).toMatchObject({ kind: 'misconfigured', code: 'UNEXPECTED_RESPONSE' });
  });
});

describe('classify: texts', () => {
  const samples: Classification[] = [
    http(200, response('transaction-response', { status: '201' })),
    http(503, undefined),
    http(429, undefined),
    http(401, undefined),
    http(403, undefined),
    http(404, undefined),
    http(400, undefined),
    http(200, undefined),
    http(302, undefined),
    http(405, undefined),
    net('ECONNREFUSED'),
    net('ECONNRESET'),
    net('ENOTFOUND'),
    net('EAI_AGAIN'),
    net('CERT_HAS_EXPIRED'),
    net('EWHATEVER'),
    classify({ type: 'network', error: new RequestTimeoutError(1), requestSent: true }),
    classify({ type: 'network', error: new RequestTimeoutError(1), requestSent: false }),
    net('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
    http(200, outcome({ severity: 'error', diagnostics: 'x' }), { expect: 'operation-outcome' }),
    http(200, outcome({ severity: 'warning', diagnostics: 'x' }), { expect: 'operation-outcome' }),
    http(200, outcome({ severity: 'error', code: 'throttled' }), { expect: 'operation-outcome' }),
    ...(['OAUTH_TOKEN_REFUSED', 'OAUTH_TOKEN_UNAVAILABLE', 'OAUTH_TOKEN_ENDPOINT_INVALID', 'TLS_SETUP_FAILED'] as const).map(
      (code): Classification => ({ kind: 'auth', code, ...describeCode(code, { httpStatus: 400, detail: 'd' }) }),
    ),
  ];

  it.each(samples.map((c) => [c.code, c] as const))('%s has an English and a Vietnamese message', (_code, c) => {
    expect(c.message.length).toBeGreaterThan(20);
    expect(c.messageVi).toMatch(VIETNAMESE);
    expect(c.messageVi).not.toBe(c.message);
  });
});

describe('operationOutcomeText', () => {
  it('prefers errors, falls back to diagnostics and codings, and locates each issue', () => {
    const text = operationOutcomeText(
      outcome(
        { severity: 'warning', code: 'informational', details: { text: 'just a warning' } },
        { severity: 'error', code: 'invalid', diagnostics: 'Thiếu CCCD', location: ['Patient.identifier'] },
        { severity: 'fatal', code: 'invalid', details: { coding: [{ code: 'MSG_BAD_SYNTAX', display: 'Bad syntax' }] } },
      ),
    );
    expect(text).toBe('Thiếu CCCD (Patient.identifier); Bad syntax');
    expect(operationOutcomeText(outcome({ severity: 'warning', details: { text: 'only a warning' } }))).toBe('only a warning');
  });

  it('quotes at most ten issues and says how many more there were', () => {
    const issues = Array.from({ length: 13 }, (_, i) => ({ severity: 'error', diagnostics: `problem ${i + 1}` }));
    const text = operationOutcomeText(outcome(...issues));
    expect(text).toMatch(/^problem 1; problem 2; .*problem 10; … and 3 more$/);
  });

  it('says nothing for anything that is not an OperationOutcome', () => {
    expect(operationOutcomeText({ resourceType: 'Bundle' })).toBeUndefined();
    expect(operationOutcomeText('text')).toBeUndefined();
    expect(operationOutcomeText(outcome({ severity: 'error', code: 'invalid' }))).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3_000],
    ['Sat, 01 Mar 2025 08:00:10 GMT', 10_000],
    ['Fri, 28 Feb 2025 08:00:00 GMT', 0],
    ['1.5', undefined],
    ['-1', undefined],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('classifyEachEntry', () => {
  it('classifies every entry of a batch-response on its own', () => {
    const body = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { response: { status: '201 Created' } },
        { response: { status: '400', outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', details: { text: 'Resource Patient/p not found' } }] } } },
        { response: { status: '503' } },
        { response: { status: '403' } },
        {},
      ],
    };
    const each = classifyEachEntry(body, { retryAfterMs: 2000 });
    expect(each.map((c) => [c.kind, c.code, c.entryIndex])).toEqual([
      ['delivered', 'DELIVERED', 0],
      ['rejected', 'ENTRY_HTTP_400', 1],
      ['transient', 'ENTRY_HTTP_503', 2],
      ['auth', 'ENTRY_HTTP_403', 3],
      ['transient', 'ENTRY_HTTP_UNKNOWN', 4],
    ]);
    expect(each[1]!.operationOutcomeText).toBe('Resource Patient/p not found');
    expect(each[2]!.retryAfterMs).toBe(2000);
    expect(classifyEachEntry({ resourceType: 'OperationOutcome' })).toEqual([]);
  });
});

// From what happened on the wire to what the delivery pipeline does next (DESIGN §4.5).
// Pure: no I/O, no clock (`now` comes in). Retry is decided by `kind` and `code`, which
// are stable; the texts are for people.
import { describe, type DeliveryCode, type TextContext } from './deliveryCodes.js';
import { isObject, operationOutcomeText } from './operationOutcome.js';
import { parseRetryAfter } from './retryAfter.js';

export const DeliveryKind = {
  /** The store has the record. */
  delivered: 'delivered',
  /** Not stored; trying again later should work (network, 408, 429, 5xx). */
  transient: 'transient',
  /** Sent, then no answer: maybe stored. Retrying is safe because writes are idempotent (§4.6). */
  ambiguous: 'ambiguous',
  /** Credentials refused: a person must act; the destination pauses. */
  auth: 'auth',
  /** Wrong address, host, certificate or endpoint: a person must act; the destination pauses. */
  misconfigured: 'misconfigured',
  /** The store refused this record's content: shown with the store's words, resent after a fix. */
  rejected: 'rejected',
} as const;
export type DeliveryKind = (typeof DeliveryKind)[keyof typeof DeliveryKind];

export interface Classification {
  kind: DeliveryKind;
  /** Stable machine code: HTTP_503, NET_ECONNRESET, TIMEOUT_AFTER_SEND, ENDPOINT_NOT_FOUND… (deliveryCodes.ts) */
  code: DeliveryCode;
  httpStatus?: number;
  /** From Retry-After (seconds or HTTP-date). */
  retryAfterMs?: number;
  message: string;
  messageVi: string;
  /** The store's own words (OperationOutcome details.text / diagnostics). */
  operationOutcomeText?: string;
  /** Network failures: whether the whole request had been written before it failed. */
  requestSent?: boolean;
  /** Transaction/batch responses: zero-based index of the entry that decided the outcome. */
  entryIndex?: number;
}

/** What a request expected back, which decides what a 2xx or a 404 means. */
export type Expectation =
  /** POST of a transaction/batch to the base: a `*-response` Bundle. */
  | 'bundle-response'
  /** GET `<base>/metadata`: a CapabilityStatement. */
  | 'capability'
  /** POST of `$submit-bhyt-claim`: an OperationOutcome (or the gateway's own resource). */
  | 'operation-outcome'
  /** Anything else: any 2xx is fine, 404 is about the resource, not the endpoint. */
  | 'any';

export interface HttpOutcome {
  type: 'http';
  status: number;
  headers?: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; undefined when empty or not JSON. */
  body?: unknown;
  /** The start of a body that is not JSON (a proxy's HTML page), for the few answers known by their words. */
  bodyText?: string;
  /** Default `bundle-response`. */
  expect?: Expectation;
}

export interface NetworkOutcome {
  type: 'network';
  /** A Node/undici error (its `code`, or its `cause`'s, is read) or our own timeout (name TimeoutError/AbortError). */
  error: unknown;
  /** True once the request (headers and body) had been fully written. */
  requestSent: boolean;
}

export type WireOutcome = HttpOutcome | NetworkOutcome;

export function classify(outcome: WireOutcome, opts: { now?: Date } = {}): Classification {
  return outcome.type === 'http' ? classifyHttp(outcome, opts.now ?? new Date()) : classifyNetwork(outcome);
}

function make(kind: DeliveryKind, code: DeliveryCode, ctx: TextContext, extra: Partial<Classification> = {}): Classification {
  const texts = describe(code, ctx);
  const c: Classification = { kind, code, ...texts };
  if (ctx.httpStatus !== undefined) c.httpStatus = ctx.httpStatus;
  if (ctx.retryAfterMs !== undefined) c.retryAfterMs = ctx.retryAfterMs;
  if (ctx.serverText !== undefined) c.operationOutcomeText = ctx.serverText;
  if (ctx.entryIndex !== undefined) c.entryIndex = ctx.entryIndex;
  return Object.assign(c, extra);
}

// ── HTTP ────────────────────────────────────────────────────────────────────────────

function classifyHttp(o: HttpOutcome, now: Date): Classification {
  const status = o.status;
  const expect = o.expect ?? 'bundle-response';
  const retryAfterMs = parseRetryAfter(header(o.headers, 'retry-after'), now);
  const serverText = operationOutcomeText(o.body);
  const ctx: TextContext = { httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(serverText ? { serverText } : {}) };

  if (status >= 200 && status < 300) return classifySuccess(o, expect, retryAfterMs);
  // nginx with ssl_verify_client finishes the handshake, then answers 400 with an HTML page
  // (its internal 495/496). Every record would be "rejected" although none was looked at.
  if ((status === 400 || status === 495 || status === 496) && o.bodyText !== undefined && PROXY_CLIENT_CERT_PAGE.test(o.bodyText)) {
    return make('misconfigured', 'TLS_CLIENT_CERTIFICATE', { httpStatus: status, errorCode: `HTTP ${status}` });
  }
  if (status >= 300 && status < 400) {
    const location = header(o.headers, 'location');
    return make('misconfigured', 'ENDPOINT_REDIRECTED', { ...ctx, ...(location ? { detail: location } : {}) });
  }
  if (status === 401 || status === 403 || status === 407) return make('auth', `HTTP_${status}`, ctx);
  if (status === 404 && expect !== 'any') return make('misconfigured', 'ENDPOINT_NOT_FOUND', ctx);
  // 405 on the base, or 501: this endpoint cannot take Bundles at all. Rejecting records
  // one by one would bury the operator in identical failures; pausing raises one alert.
  if ((status === 405 && expect !== 'any') || status === 501) {
    return make('misconfigured', 'ENDPOINT_UNSUPPORTED', { ...ctx, detail: UNSUPPORTED_DETAIL[expect === 'any' ? 'bundle-response' : expect] });
  }
  if (status === 408 || status === 429 || status >= 500 || status < 200) return make('transient', `HTTP_${status}`, ctx);
  return make('rejected', `HTTP_${status}`, ctx);
}

const UNSUPPORTED_DETAIL: Record<Exclude<Expectation, 'any'>, string> = {
  'bundle-response': 'transaction/batch',
  capability: 'metadata',
  'operation-outcome': '$submit-bhyt-claim',
};

function classifySuccess(o: HttpOutcome, expect: Expectation, retryAfterMs: number | undefined): Classification {
  const status = o.status;
  if (expect === 'any') return make('delivered', 'OK', { httpStatus: status });
  if (expect === 'operation-outcome') return classifyOperationResult(o.body, status, retryAfterMs);
  if (expect === 'capability') {
    if (isObject(o.body) && o.body.resourceType === 'CapabilityStatement') return make('delivered', 'OK', { httpStatus: status });
    return make('misconfigured', 'UNEXPECTED_RESPONSE', { httpStatus: status, detail: 'no CapabilityStatement at /metadata' });
  }
  const body = o.body;
  if (!isObject(body) || body.resourceType !== 'Bundle' || (body.type !== 'transaction-response' && body.type !== 'batch-response')) {
    return make('misconfigured', 'UNEXPECTED_RESPONSE', { httpStatus: status, detail: 'no transaction-response or batch-response Bundle' });
  }
  return classifyEntries(body, status, retryAfterMs);
}

/**
 * A response Bundle is only as good as its worst entry. Content errors outrank access
 * errors, which outrank temporary ones: a record with a bad entry needs a fix whatever
 * else happened, and resending the whole record is harmless (PUT by deterministic id).
 */
function classifyEntries(bundle: Record<string, unknown>, httpStatus: number, retryAfterMs: number | undefined): Classification {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  let worst: { rank: number; index: number } | undefined;
  entries.forEach((entry, index) => {
    const rank = entryRank(entry).rank;
    if (rank > 0 && (!worst || rank > worst.rank)) worst = { rank, index };
  });
  if (!worst) return make('delivered', 'DELIVERED', { httpStatus });
  return classifyEntry(entries[worst.index], worst.index, httpStatus, retryAfterMs);
}

/**
 * Every entry of a `transaction-response` or `batch-response` on its own, in order: what
 * happened to entry i (a batch stores some entries and refuses others). Empty when the
 * body is not such a Bundle.
 */
export function classifyEachEntry(body: unknown, opts: { httpStatus?: number; retryAfterMs?: number } = {}): Classification[] {
  if (!isObject(body) || body.resourceType !== 'Bundle' || !Array.isArray(body.entry)) return [];
  const httpStatus = opts.httpStatus ?? 200;
  return body.entry.map((entry, index) => classifyEntry(entry, index, httpStatus, opts.retryAfterMs));
}

/** 0: stored; 1: not now (5xx, 408, 429, or no status); 2: access; 3: content. */
function entryRank(entry: unknown): { rank: number; status: number | undefined; response: Record<string, unknown> } {
  const response = isObject(entry) && isObject(entry.response) ? entry.response : {};
  const status = entryStatus(response.status);
  if (status !== undefined && status >= 200 && status < 300) return { rank: 0, status, response };
  const rank = status === undefined ? 1 : status === 401 || status === 403 ? 2 : status === 408 || status === 429 || status >= 500 ? 1 : 3;
  return { rank, status, response };
}

function classifyEntry(entry: unknown, index: number, httpStatus: number, retryAfterMs: number | undefined): Classification {
  const { rank, status, response } = entryRank(entry);
  if (rank === 0) return make('delivered', 'DELIVERED', { httpStatus: status ?? httpStatus, entryIndex: index });
  const serverText = operationOutcomeText(response.outcome);
  const ctx: TextContext = { httpStatus: status || httpStatus, entryIndex: index, ...(serverText ? { serverText } : {}) };
  const code: DeliveryCode = status ? `ENTRY_HTTP_${status}` : 'ENTRY_HTTP_UNKNOWN';
  if (rank === 3) return make('rejected', code, ctx);
  if (rank === 2) return make('auth', code, ctx);
  // Entries carry no Retry-After of their own; the response's header, if any, applies.
  return make('transient', code, { ...ctx, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

/** Issue types (R4 issue-type) that say "not now" rather than "not this". */
const TRANSIENT_ISSUE_CODES = new Set(['transient', 'timeout', 'throttled']);

/**
 * A 2xx answer to `$submit-bhyt-claim`. The IG's gateway returns its verdict as an
 * OperationOutcome, at top level or as the `return` parameter: error issues reject the
 * record in the gateway's words; information and warnings mean it was taken. Another
 * resource is the gateway's own business response, which only a taken record gets.
 */
function classifyOperationResult(body: unknown, httpStatus: number, retryAfterMs: number | undefined): Classification {
  const outcome = operationReturn(body);
  if (outcome) {
    const issues = Array.isArray(outcome.issue) ? outcome.issue.filter(isObject) : [];
    const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const serverText = operationOutcomeText(outcome);
    const ctx: TextContext = { httpStatus, ...(serverText ? { serverText } : {}) };
    if (errors.length > 0 && errors.every((i) => typeof i.code === 'string' && TRANSIENT_ISSUE_CODES.has(i.code))) {
      return make('transient', 'OPERATION_TRANSIENT', { ...ctx, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    if (errors.length > 0) return make('rejected', 'OPERATION_REJECTED', ctx);
    if (issues.some((i) => i.severity === 'warning')) return make('delivered', 'DELIVERED_WITH_WARNINGS', ctx);
    return make('delivered', 'DELIVERED', { httpStatus });
  }
  if (isObject(body) && typeof body.resourceType === 'string') return make('delivered', 'DELIVERED', { httpStatus });
  return make('misconfigured', 'UNEXPECTED_RESPONSE', { httpStatus, detail: 'no OperationOutcome from $submit-bhyt-claim' });
}

function operationReturn(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body)) return undefined;
  if (body.resourceType === 'OperationOutcome') return body;
  if (body.resourceType !== 'Parameters' || !Array.isArray(body.parameter)) return undefined;
  const ret = body.parameter.find((p): p is Record<string, unknown> => isObject(p) && p.name === 'return');
  return ret && isObject(ret.resource) && ret.resource.resourceType === 'OperationOutcome' ? ret.resource : undefined;
}

/** `"201"`, `"201 Created"` → 201. */
function entryStatus(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^\s*(\d{3})\b/.exec(value) : undefined;
  return match ? Number.parseInt(match[1]!, 10) : undefined;
}

function header(headers: HttpOutcome['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

// ── Network ─────────────────────────────────────────────────────────────────────────

/** Certificate problems: retrying cannot fix them, a person must. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
]);

/**
 * TLS alerts a store sends when it wants a client certificate it did not get or does not
 * trust (mTLS, DESIGN §9). Under TLS 1.3 they can arrive after the request was written; the
 * store still processed nothing, and only a configuration change helps.
 */
const TLS_CLIENT_CERT_ALERTS = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

/** nginx's pages for its 495 and 496 answers. */
const PROXY_CLIENT_CERT_PAGE = /No required SSL certificate was sent|The SSL certificate error/i;

/** Timeouts that undici raises only after the request went out. */
const UNDICI_AFTER_SEND_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function classifyNetwork(o: NetworkOutcome): Classification {
  const sent = { requestSent: o.requestSent };
  if (isOwnTimeout(o.error)) {
    return o.requestSent ? make('ambiguous', 'TIMEOUT_AFTER_SEND', {}, sent) : make('transient', 'TIMEOUT_BEFORE_SEND', {}, sent);
  }
  const errorCode = errorCodeOf(o.error);
  if (UNDICI_AFTER_SEND_TIMEOUTS.has(errorCode)) return make('ambiguous', 'TIMEOUT_AFTER_SEND', { errorCode }, { requestSent: true });
  // ENOTFOUND: the name does not exist, a wrong URL. EAI_AGAIN is the resolver being
  // unreachable for a moment (common on hospital networks): that one is worth retrying.
  if (errorCode === 'ENOTFOUND') return make('misconfigured', 'DNS_FAILURE', { errorCode }, sent);
  if (TLS_CODES.has(errorCode)) return make('misconfigured', 'TLS_CERTIFICATE', { errorCode }, sent);
  if (TLS_CLIENT_CERT_ALERTS.has(errorCode)) return make('misconfigured', 'TLS_CLIENT_CERTIFICATE', { errorCode }, sent);
  if (errorCode === 'ERR_INVALID_URL' || errorCode === 'ERR_INVALID_PROTOCOL' || errorCode === 'ERR_UNSUPPORTED_PROTOCOL') {
    return make('misconfigured', 'INVALID_URL', { errorCode, detail: errorMessage(o.error) }, sent);
  }
  return make('transient', `NET_${errorCode}`, { errorCode }, sent);
}

function isOwnTimeout(error: unknown): boolean {
  const name = isObject(error) || error instanceof Error ? (error as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The first `code` along the error and its causes (fetch wraps the socket error in `cause`). */
function errorCodeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    current = (current as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

function errorMessage(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

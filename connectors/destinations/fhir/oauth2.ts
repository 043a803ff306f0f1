// OAuth 2.0 client credentials (RFC 6749 §4.4) for one destination (DESIGN §9): the token
// is fetched with a form POST, kept, and refreshed before it expires or after the store
// answers 401. Concurrent sends share one refresh. Nothing here throws: a failed refresh is
// a Classification, so the pipeline pauses (credentials refused) or retries (server away).
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { AuthHeaders, AuthProvider, AuthResult } from './auth.js';
import { credentialsFailure } from './auth.js';
import { classify } from './classify.js';
import type { Classification, DeliveryKind } from './classify.js';
import { describe, type DeliveryCode, type TextContext } from './deliveryCodes.js';
import { isObject } from './operationOutcome.js';
import { parseRetryAfter } from './retryAfter.js';
import { exchange } from './transport.js';

export interface OAuth2Options {
  tokenUrl: string;
  clientId: string;
  /** Read at each token request, so a rotated secret is used without a restart. */
  readClientSecret: () => string | Promise<string>;
  scope?: string;
  audience?: string;
  clientAuth: 'basic' | 'post';
  timeoutMs: number;
  /** TLS agent for an https token endpoint (same trust and client certificate as the store). */
  agent?: HttpAgent | HttpsAgent;
  /** Milliseconds since the epoch; injected so that tests move time instead of waiting. */
  now: () => number;
}

/** Refresh once this share of the token's lifetime has passed, leaving room for slow requests and clock skew. */
export const REFRESH_AT_SHARE = 0.8;
/** Lifetime assumed when the token response has no expires_in (RFC 6749 §5.1 makes it optional). */
export const DEFAULT_LIFETIME_S = 300;
const MAX_TOKEN_RESPONSE_BYTES = 256 * 1024;
/** Server-supplied error text quoted in a message is cut to this length. */
const MAX_DETAIL_CHARS = 200;

interface Token {
  value: string;
  refreshAt: number;
  expiresAt: number;
}

type Fetched = { ok: true; token: Token } | { ok: false; classification: Classification; summary: string };

export class OAuth2ClientCredentials implements AuthProvider {
  private token: Token | undefined;
  private inflight: Promise<Fetched> | undefined;

  constructor(private readonly opts: OAuth2Options) {}

  async headers(): Promise<AuthResult> {
    const t = this.opts.now();
    const current = this.token;
    if (current && t < current.refreshAt) return bearer(current.value);
    const fetched = await this.refresh();
    if (fetched.ok) return bearer(fetched.token.value);
    // A token that is due for refresh but not yet expired still works: use it while the
    // token server is away, and report the failure only once it has run out.
    if (current && this.opts.now() < current.expiresAt && this.token === current) return bearer(current.value);
    return fetched;
  }

  async rejected(used: AuthHeaders): Promise<boolean> {
    // Forget the token only if it is the one the store refused; another send may already have replaced it.
    if (this.token && used.Authorization === `Bearer ${this.token.value}`) this.token = undefined;
    return true;
  }

  /** One token request at a time: every caller waiting for a refresh gets the same answer. */
  private refresh(): Promise<Fetched> {
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchToken(): Promise<Fetched> {
    const o = this.opts;
    let secret: string;
    try {
      secret = await o.readClientSecret();
    } catch (err) {
      return credentialsFailure(err);
    }
    let url: URL;
    try {
      url = new URL(o.tokenUrl);
    } catch {
      return failure('misconfigured', 'OAUTH_TOKEN_ENDPOINT_INVALID', { detail: 'tokenUrl is not a URL' }, 'token endpoint: invalid URL');
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (o.scope) form.set('scope', o.scope);
    if (o.audience) form.set('audience', o.audience);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'vhr-agent',
    };
    if (o.clientAuth === 'basic') {
      // RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
      headers.Authorization = `Basic ${Buffer.from(`${formEncode(o.clientId)}:${formEncode(secret)}`).toString('base64')}`;
    } else {
      form.set('client_id', o.clientId);
      form.set('client_secret', secret);
    }
    const body = Buffer.from(form.toString(), 'utf8');
    headers['Content-Length'] = String(body.length);

    const startedAt = o.now();
    const result = await exchange({
      method: 'POST',
      url,
      headers,
      body,
      timeoutMs: o.timeoutMs,
      ...(o.agent ? { agent: o.agent } : {}),
      maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
    });
    if (result.type === 'network') {
      const store = classify({ type: 'network', error: result.error, requestSent: result.requestSent });
      const code = (result.error as { code?: unknown }).code;
      const errorCode = typeof code === 'string' ? code : result.error.name;
      const summary = `token endpoint: ${errorCode}`;
      // A certificate or a name that can never work is the endpoint's configuration, not a passing outage.
      if (store.kind === 'misconfigured') return failure('misconfigured', 'OAUTH_TOKEN_ENDPOINT_INVALID', { errorCode, detail: store.message }, summary);
      return failure('transient', 'OAUTH_TOKEN_UNAVAILABLE', { errorCode }, summary);
    }
    const status = result.status;
    const summary = `token endpoint: HTTP ${status}`;
    const json = parseJson(result.body);
    if (status === 400 || status === 401 || status === 403) {
      return failure('auth', 'OAUTH_TOKEN_REFUSED', { httpStatus: status, ...detailOf(json, [secret]) }, summary);
    }
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(headerValue(result.headers['retry-after']), new Date(o.now()));
      return failure('transient', 'OAUTH_TOKEN_UNAVAILABLE', { httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, summary);
    }
    if (status < 200 || status >= 300) return failure('misconfigured', 'OAUTH_TOKEN_ENDPOINT_INVALID', { httpStatus: status }, summary);

    const token = readToken(json, startedAt);
    if (typeof token === 'string') return failure('misconfigured', 'OAUTH_TOKEN_ENDPOINT_INVALID', { httpStatus: status, detail: token }, summary);
    this.token = token;
    return { ok: true, token };
  }
}

function bearer(value: string): AuthResult {
  return { ok: true, headers: { Authorization: `Bearer ${value}` } };
}

function failure(kind: DeliveryKind, code: DeliveryCode, ctx: TextContext, summary: string): Fetched {
  const classification: Classification = { kind, code, ...describe(code, ctx) };
  if (ctx.httpStatus !== undefined) classification.httpStatus = ctx.httpStatus;
  if (ctx.retryAfterMs !== undefined) classification.retryAfterMs = ctx.retryAfterMs;
  return { ok: false, classification, summary };
}

/** The token, or what is wrong with the answer (RFC 6749 §5.1). */
function readToken(json: unknown, startedAt: number): Token | string {
  if (!isObject(json)) return 'the token endpoint did not answer with JSON';
  const value = json.access_token;
  if (typeof value !== 'string' || value === '') return 'the answer has no access_token';
  const type = json.token_type;
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) return `token_type ${JSON.stringify(type)} is not Bearer`;
  const raw = typeof json.expires_in === 'string' ? Number(json.expires_in) : json.expires_in;
  const lifetimeS = typeof raw === 'number' && Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_LIFETIME_S;
  // Counted from when the request left, so a slow answer cannot make the token look fresher than it is.
  return { value, refreshAt: startedAt + lifetimeS * 1000 * REFRESH_AT_SHARE, expiresAt: startedAt + lifetimeS * 1000 };
}

/** `error` and `error_description` of a refusal (RFC 6749 §5.2), cleared of any secret the server might echo. */
function detailOf(json: unknown, secrets: string[]): { detail?: string } {
  if (!isObject(json)) return {};
  const error = typeof json.error === 'string' ? json.error : undefined;
  const description = typeof json.error_description === 'string' ? json.error_description : undefined;
  let detail = [error, description].filter(Boolean).join(': ');
  for (const s of secrets) if (s) detail = detail.split(s).join('***');
  detail = detail.replace(/[\r\n\t]+/g, ' ').trim();
  if (detail.length > MAX_DETAIL_CHARS) detail = `${detail.slice(0, MAX_DETAIL_CHARS)}…`;
  return detail ? { detail } : {};
}

function formEncode(text: string): string {
  return new URLSearchParams({ x: text }).toString().slice(2);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

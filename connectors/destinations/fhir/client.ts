// FHIR REST client of one destination (DESIGN §6): delivers a record's Bundle to the base as a
// transaction or batch, or through the VN Core `$submit-bhyt-claim` operation, and turns
// whatever happens into a Classification. It never throws for a failed delivery: every
// outcome, credentials trouble included, is a value the pipeline can store.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import { headersAuth, noAuth } from './auth.js';
import type { AuthHeaders, AuthProvider } from './auth.js';
import { classify } from './classify.js';
import type { Classification, Expectation } from './classify.js';
import { SUBMIT_BHYT_CLAIM, submissionParameters } from './operation.js';
import type { OperationMode } from './operation.js';
import { isObject } from './operationOutcome.js';
import { exchange } from './transport.js';
import type { ExchangeResult } from './transport.js';

export type ClientMode = 'transaction' | 'batch' | 'operation';

export interface FhirClientConfig {
  /** The store's FHIR base, e.g. `https://fhir.soyte.example.vn/fhir`. */
  baseUrl: string;
  /** Whole exchange deadline (default 30 s). */
  timeoutMs?: number;
  /** Credentials for each request (createDestinationClient builds one from the configuration). */
  auth?: AuthProvider;
  /** Auth headers asked for before each request; used when `auth` is absent. */
  headers?: () => Promise<Record<string, string>> | Record<string, string>;
  /**
   * transaction / batch: POST the Bundle to the base with that Bundle.type (the Bundle's own
   * type when absent); operation: `$submit-bhyt-claim` with the Bundle as a collection.
   */
  mode?: ClientMode;
  /** `mode` parameter of `$submit-bhyt-claim`; `test` when absent, so nothing is submitted for real by default. */
  operationMode?: OperationMode;
  /** Extra trust and client certificates for this destination (mTLS), PEM. Verification stays on whatever is given. */
  tls?: { ca?: string | Buffer | (string | Buffer)[]; cert?: string | Buffer; key?: string | Buffer; passphrase?: string };
  /** A problem found while building the client (an unreadable certificate): every request reports it instead of going out. */
  setupFailure?: Classification;
}

export interface SendResult {
  classification: Classification;
  durationMs: number;
  /** Status and counts of entry statuses, e.g. `HTTP 200 transaction-response: 201×3 200×1`; never patient data. */
  responseSummary: string;
}

export interface MetadataResult {
  ok: boolean;
  capability?: CapabilityStatement;
  /** Why not ok. */
  classification?: Classification;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Response Bundles are small with `return=minimal`; this only guards against a runaway answer. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const FHIR_JSON = 'application/fhir+json';
/** Of a body that is not JSON, only this much is looked at (known proxy pages are short). */
const MAX_TEXT_BYTES = 2048;

export class FhirClient {
  private readonly base: URL | undefined;
  private readonly baseError: Error | undefined;
  private readonly agent: HttpAgent | HttpsAgent | undefined;
  private readonly timeoutMs: number;
  private readonly auth: AuthProvider;

  constructor(private readonly cfg: FhirClientConfig) {
    this.timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.auth = cfg.auth ?? (cfg.headers ? headersAuth(cfg.headers) : noAuth);
    // A bad URL is reported by send() as a misconfiguration, like any other endpoint problem.
    try {
      const url = new URL(cfg.baseUrl.replace(/\/+$/, ''));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_INVALID_PROTOCOL' });
      }
      this.base = url;
      this.agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ...httpsOptions(cfg.tls) }) : new HttpAgent({ keepAlive: true });
    } catch (err) {
      this.baseError = err as Error;
    }
  }

  /** Delivers one Bundle in the configured mode. */
  async send(bundle: Bundle, opts: { now?: Date; bundleType?: 'transaction' | 'batch' } = {}): Promise<SendResult> {
    // A part of a record cut for this store says itself whether it is a transaction or a batch.
    const type = opts.bundleType ?? this.cfg.mode;
    const result =
      this.cfg.mode === 'operation'
        ? await this.request('POST', SUBMIT_BHYT_CLAIM.path, json(submissionParameters(bundle, this.cfg.operationMode ?? 'test')), 'operation-outcome', opts.now, {
            // The operation's answer is its verdict: ask for the OperationOutcome, not a minimal reply.
            Prefer: 'return=OperationOutcome',
          })
        : await this.request('POST', '', json(type && type !== 'operation' ? { ...bundle, type } : bundle), 'bundle-response', opts.now, { Prefer: 'return=minimal' });
    return { classification: result.classification, durationMs: result.durationMs, responseSummary: result.summary };
  }

  /** Reads the store's CapabilityStatement: a reachability and capability check. */
  async metadata(): Promise<MetadataResult> {
    const result = await this.request('GET', '/metadata', undefined, 'capability');
    if (result.classification.kind !== 'delivered') return { ok: false, classification: result.classification };
    return { ok: true, capability: result.parsed as CapabilityStatement };
  }

  /** The delivery mode this client sends in. */
  get mode(): ClientMode | undefined {
    return this.cfg.mode;
  }

  /** Closes idle keep-alive connections (call when the destination is removed or the agent stops). */
  close(): void {
    this.agent?.destroy();
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    expect: Expectation,
    now?: Date,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ classification: Classification; durationMs: number; summary: string; parsed?: unknown }> {
    if (this.cfg.setupFailure) return { classification: this.cfg.setupFailure, durationMs: 0, summary: 'destination setup failed' };
    if (!this.base) {
      const classification = classify({ type: 'network', error: this.baseError, requestSent: false });
      return { classification, durationMs: 0, summary: `invalid base URL` };
    }
    const started = Date.now();
    let auth = await this.auth.headers();
    if (!auth.ok) return { classification: auth.classification, summary: auth.summary, durationMs: Date.now() - started };
    let result = await this.exchangeOnce(method, path, body, auth.headers, extraHeaders);
    // 401: the token may have expired early or been revoked; fresh credentials get one more
    // try. Safe to repeat: the store refused the request without processing it.
    if (result.type === 'http' && result.status === 401 && this.auth.rejected && (await this.auth.rejected(auth.headers))) {
      auth = await this.auth.headers();
      if (!auth.ok) return { classification: auth.classification, summary: auth.summary, durationMs: Date.now() - started };
      result = await this.exchangeOnce(method, path, body, auth.headers, extraHeaders);
    }
    // Includes the time spent getting credentials: what the pipeline waited for.
    const durationMs = Math.max(result.durationMs, Date.now() - started);
    if (result.type === 'network') {
      return {
        classification: classify({ type: 'network', error: result.error, requestSent: result.requestSent }),
        durationMs,
        summary: networkSummary(result),
      };
    }
    const parsed = parseJson(result.body);
    const bodyText = parsed === undefined && result.body.length > 0 ? result.body.subarray(0, MAX_TEXT_BYTES).toString('utf8') : undefined;
    const classification = classify(
      { type: 'http', status: result.status, headers: result.headers, body: parsed, ...(bodyText !== undefined ? { bodyText } : {}), expect },
      { now: now ?? new Date() },
    );
    return { classification, durationMs, summary: httpSummary(result.status, parsed), parsed };
  }

  private exchangeOnce(method: 'GET' | 'POST', path: string, body: Buffer | undefined, auth: AuthHeaders, extraHeaders: Record<string, string>): Promise<ExchangeResult> {
    const headers: Record<string, string> = {
      Accept: FHIR_JSON,
      'User-Agent': 'vhr-agent',
      ...(body ? { 'Content-Type': `${FHIR_JSON}; charset=utf-8`, 'Content-Length': String(body.length), ...extraHeaders } : {}),
      ...auth,
    };
    return exchange({
      method,
      // URL adds a "/" to a bare origin; the base must not end in one before the path is appended.
      url: new URL(this.base!.href.replace(/\/+$/, '') + path),
      headers,
      ...(body ? { body } : {}),
      timeoutMs: this.timeoutMs,
      ...(this.agent ? { agent: this.agent } : {}),
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
  }
}

/**
 * Agent options for a destination's TLS. Verification is forced on after the caller's
 * options, which also overrides NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment (DESIGN §9).
 */
export function httpsOptions(tls: FhirClientConfig['tls']): ConstructorParameters<typeof HttpsAgent>[0] {
  return { ...tls, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // An HTML error page from a proxy, say: classified by status alone.
    return undefined;
  }
}

function httpSummary(status: number, body: unknown): string {
  if (!isObject(body)) return `HTTP ${status}`;
  if (body.resourceType === 'Bundle') {
    const entries = Array.isArray(body.entry) ? body.entry : [];
    const counts = new Map<string, number>();
    for (const entry of entries) {
      const raw = isObject(entry) && isObject(entry.response) ? entry.response.status : undefined;
      const code = typeof raw === 'string' ? (/^\s*(\d{3})/.exec(raw)?.[1] ?? '?') : '?';
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    const tally = [...counts].map(([code, n]) => `${code}×${n}`).join(' ');
    return `HTTP ${status} ${String(body.type)}${tally ? `: ${tally}` : ''}`;
  }
  if (body.resourceType === 'OperationOutcome') {
    const issues = Array.isArray(body.issue) ? body.issue.length : 0;
    return `HTTP ${status} OperationOutcome (${issues} issue${issues === 1 ? '' : 's'})`;
  }
  return `HTTP ${status} ${typeof body.resourceType === 'string' ? body.resourceType : 'JSON'}`;
}

function networkSummary(result: Extract<ExchangeResult, { type: 'network' }>): string {
  const code = (result.error as { code?: unknown }).code;
  const name = typeof code === 'string' ? code : result.error.name;
  return `${name} after ${result.durationMs} ms (request ${result.requestSent ? 'sent' : 'not sent'})`;
}

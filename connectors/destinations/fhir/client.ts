// FHIR REST client of one destination (DESIGN §6): POSTs a record's Bundle to the base
// as a transaction (or batch) and turns whatever happens into a Classification. It never
// throws for a failed delivery: every outcome is a value the pipeline can store.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import { classify } from './classify.js';
import type { Classification, Expectation } from './classify.js';
import { describe } from './messages.js';
import { isObject } from './operationOutcome.js';
import { exchange } from './transport.js';
import type { ExchangeResult } from './transport.js';

export interface FhirClientConfig {
  /** The store's FHIR base, e.g. `https://fhir.soyte.example.vn/fhir`. */
  baseUrl: string;
  /** Whole exchange deadline (default 30 s). */
  timeoutMs?: number;
  /** Auth headers, asked for before each request so that tokens can be refreshed (e.g. a bearer). */
  headers?: () => Promise<Record<string, string>> | Record<string, string>;
  /** Bundle.type to send; the Bundle's own type when absent. */
  mode?: 'transaction' | 'batch';
  /** Extra trust and client certificates for this destination (mTLS), PEM. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
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

export class FhirClient {
  private readonly base: URL | undefined;
  private readonly baseError: Error | undefined;
  private readonly agent: HttpAgent | HttpsAgent | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly cfg: FhirClientConfig) {
    this.timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A bad URL is reported by send() as a misconfiguration, like any other endpoint problem.
    try {
      const url = new URL(cfg.baseUrl.replace(/\/+$/, ''));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_INVALID_PROTOCOL' });
      }
      this.base = url;
      this.agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ...cfg.tls }) : new HttpAgent({ keepAlive: true });
    } catch (err) {
      this.baseError = err as Error;
    }
  }

  /** Delivers one Bundle to the base URL. */
  async send(bundle: Bundle, opts: { now?: Date } = {}): Promise<SendResult> {
    const outgoing: Bundle = this.cfg.mode ? { ...bundle, type: this.cfg.mode } : bundle;
    const body = Buffer.from(JSON.stringify(outgoing), 'utf8');
    const result = await this.request('POST', '', body, 'bundle-response', opts.now);
    return { classification: result.classification, durationMs: result.durationMs, responseSummary: result.summary };
  }

  /** Reads the store's CapabilityStatement: a reachability and capability check. */
  async metadata(): Promise<MetadataResult> {
    const result = await this.request('GET', '/metadata', undefined, 'capability');
    if (result.classification.kind !== 'delivered') return { ok: false, classification: result.classification };
    return { ok: true, capability: result.parsed as CapabilityStatement };
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
  ): Promise<{ classification: Classification; durationMs: number; summary: string; parsed?: unknown }> {
    if (!this.base) {
      const classification = classify({ type: 'network', error: this.baseError, requestSent: false });
      return { classification, durationMs: 0, summary: `invalid base URL` };
    }
    let auth: Record<string, string>;
    const started = Date.now();
    try {
      auth = (await this.cfg.headers?.()) ?? {};
    } catch (err) {
      return { ...credentialsFailure(err), durationMs: Date.now() - started };
    }
    const headers: Record<string, string> = {
      Accept: FHIR_JSON,
      'User-Agent': 'vhr-agent',
      ...(body ? { 'Content-Type': `${FHIR_JSON}; charset=utf-8`, 'Content-Length': String(body.length), Prefer: 'return=minimal' } : {}),
      ...auth,
    };
    const result = await exchange({
      method,
      // URL adds a "/" to a bare origin; the base must not end in one before the path is appended.
      url: new URL(this.base.href.replace(/\/+$/, '') + path),
      headers,
      ...(body ? { body } : {}),
      timeoutMs: this.timeoutMs,
      ...(this.agent ? { agent: this.agent } : {}),
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
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
    const classification = classify({ type: 'http', status: result.status, headers: result.headers, body: parsed, expect }, { now: now ?? new Date() });
    return { classification, durationMs, summary: httpSummary(result.status, parsed), parsed };
  }
}

/**
 * The credentials provider failed. A network error there (token endpoint unreachable) is
 * as temporary as one on the store; anything else needs a person.
 */
function credentialsFailure(err: unknown): { classification: Classification; summary: string } {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code) && code !== 'ENOTFOUND') {
    return { classification: classify({ type: 'network', error: err, requestSent: false }), summary: `credentials: ${code}` };
  }
  const detail = err instanceof Error ? err.message : String(err);
  return {
    classification: { kind: 'auth', code: 'AUTH_HEADERS_FAILED', ...describe('AUTH_HEADERS_FAILED', { detail }) },
    summary: 'credentials unavailable',
  };
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

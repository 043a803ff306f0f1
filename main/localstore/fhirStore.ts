// A real FHIR R4 server on loopback with one independent endpoint per base
// (`http://host:port/<base>/fhir`). `vhr-agent demo` runs it in place of the province and
// ministry stores; tests deliver to it and script its failures through FaultScript.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { ensureStoreDefinitionsLoaded } from './definitions.js';
import { FaultQueue, isDelayFault, isStatusFault } from './faults.js';
import type { FaultScript } from './faults.js';
import { FhirEndpoint } from './fhirEndpoint.js';
import type { EndpointResponse } from './fhirEndpoint.js';
import { errorOutcome, outcomeForStatus } from './outcomes.js';
import { DEFAULT_SERVER_PROFILE, isServerProfile } from './profiles.js';
import type { ServerProfile } from './profiles.js';

export type { Fault, FaultScript, StatusFault, DelayFault, ResetFault } from './faults.js';
export { ServerProfile, PROFILE_RULES } from './profiles.js';

export interface LocalFhirStoreOptions {
  /** Interface to listen on; loopback by default so that demo data never leaves the machine. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Endpoint names, e.g. `['province', 'ministry']`: each serves `/<name>/fhir`. */
  bases: string[];
  /** Refuse resources that are not valid R4 (default true), as a real store would. */
  validate?: boolean;
  /** How every endpoint behaves (size limits, reference checks: see profiles.ts); default `strict`. */
  profile?: ServerProfile;
  /** Per-endpoint profiles, e.g. `{ ministry: 'azure' }`; endpoints not named take `profile`. */
  profiles?: Record<string, ServerProfile>;
}

export interface RequestLogEntry {
  method: string;
  /** Path below the base with its query, e.g. `/`, `/Patient/1`, `/Patient?identifier=…`. */
  path: string;
  /** HTTP status answered; 0 when the connection was reset without an answer. */
  status: number;
  /** Set when a scripted fault, not the store, produced the outcome. */
  fault?: 'status' | 'delay' | 'reset' | 'down';
}

export interface LocalFhirStore {
  /** `http://host:port`, without a base. */
  url: string;
  /** `http://host:port/<base>/fhir`. */
  baseUrl(base: string): string;
  close(): Promise<void>;
  countResources(base: string, resourceType: string): Promise<number>;
  /** FHIR search inside one base, e.g. `search('province', 'Patient', { identifier: 'sys|123' })`. */
  search(base: string, resourceType: string, query: Record<string, string | string[]> | string): Promise<Resource[]>;
  requestLog(base: string): RequestLogEntry[];
  faults(base: string): FaultScript;
  /** The server profile the endpoint behaves by. */
  profile(base: string): ServerProfile;
  /** Resolves once no request is being handled or held back by a delay fault. */
  settled(): Promise<void>;
}

/** Largest request body accepted; a whole record's Bundle is far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const BASE_NAME = /^[A-Za-z0-9_-]+$/;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

interface Base {
  endpoint: FhirEndpoint;
  faults: FaultQueue;
  log: RequestLogEntry[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalFhirStore(opts: LocalFhirStoreOptions): Promise<LocalFhirStore> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.bases.length === 0) throw new Error('startLocalFhirStore needs at least one base');
  for (const name of opts.bases) {
    if (!BASE_NAME.test(name)) throw new Error(`invalid base name "${name}": letters, digits, "_" and "-" only`);
  }
  if (new Set(opts.bases).size !== opts.bases.length) throw new Error('base names must be unique');
  const profileOf = (name: string): ServerProfile => opts.profiles?.[name] ?? opts.profile ?? DEFAULT_SERVER_PROFILE;
  for (const [name, profile] of [['*', opts.profile ?? DEFAULT_SERVER_PROFILE], ...Object.entries(opts.profiles ?? {})] as const) {
    if (!isServerProfile(profile)) throw new Error(`unknown server profile "${String(profile)}" for ${name === '*' ? 'the store' : `base "${name}"`} (have: strict, hapi, azure)`);
    if (name !== '*' && !opts.bases.includes(name)) throw new Error(`profile given for unknown base "${name}"`);
  }
  ensureStoreDefinitionsLoaded();

  const bases = new Map<string, Base>();
  const inFlight = new Set<Promise<void>>();
  const heldBack = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    const work = serve(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: errorOutcome('exception', (err as Error).message), headers: {} });
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    const match = /^\/([^/]+)\/fhir(\/.*)?$/.exec(url.pathname);
    const base = match ? bases.get(match[1]!) : undefined;
    if (!base) {
      await drain(req);
      send(res, { status: 404, body: errorOutcome('not-found', `No FHIR endpoint at ${url.pathname}`), headers: {} });
      return;
    }
    const path = match![2] && match![2] !== '' ? match![2] : '/';
    const logPath = path + url.search;
    const record = (status: number, fault?: RequestLogEntry['fault']) => base.log.push({ method, path: logPath, status, ...(fault ? { fault } : {}) });

    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      send(res, { status, body: errorOutcome(status === 413 ? 'too-costly' : 'invalid', (err as Error).message), headers: { Connection: 'close' } });
      record(status);
      return;
    }

    if (base.faults.isDown()) {
      send(res, { status: 503, body: errorOutcome('transient', 'Store is down'), headers: {} });
      record(503, 'down');
      return;
    }
    const fault = base.faults.take(method, logPath, raw);
    if (fault && isStatusFault(fault)) {
      sendScripted(res, fault.status, fault.body ?? outcomeForStatus(fault.status), fault.headers ?? {});
      record(fault.status, 'status');
      return;
    }
    if (fault && !isDelayFault(fault)) {
      // A reset: the request was read in full, then the connection dies with no answer.
      req.socket.resetAndDestroy();
      record(0, 'reset');
      return;
    }

    const response = await answer(base.endpoint, method, path, url.search.slice(1), req, raw);
    if (fault && isDelayFault(fault)) {
      await holdBack(res, fault.delayMs);
      if (!res.destroyed) send(res, response);
      record(response.status, 'delay');
      return;
    }
    send(res, response);
    record(response.status);
  }

  /**
   * Waits like a slow server that has already done the work. Ends early when the client
   * hangs up or the store closes: the answer could no longer reach anyone.
   */
  function holdBack(res: ServerResponse, delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        res.off('close', done);
        heldBack.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      res.once('close', done);
      heldBack.add(done);
    });
  }

  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const startedAt = new Date();
  // Nothing can arrive before 'listening' has been handled, so the endpoints are ready in time.
  for (const name of opts.bases) {
    const endpoint = new FhirEndpoint(name, `${origin}/${name}/fhir`, opts.validate ?? true, startedAt, profileOf(name));
    bases.set(name, { endpoint, faults: new FaultQueue(), log: [] });
  }

  function baseNamed(name: string): Base {
    const base = bases.get(name);
    if (!base) throw new Error(`unknown base "${name}" (have: ${[...bases.keys()].join(', ')})`);
    return base;
  }

  async function settled(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  return {
    url: origin,
    baseUrl: (name) => baseNamed(name).endpoint.baseUrl,
    countResources: (name, resourceType) => baseNamed(name).endpoint.countResources(resourceType),
    search: (name, resourceType, query) => baseNamed(name).endpoint.findResources(resourceType, query),
    requestLog: (name) => [...baseNamed(name).log],
    faults: (name) => baseNamed(name).faults,
    profile: (name) => baseNamed(name).endpoint.profile,
    settled,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const release of [...heldBack]) release();
      server.closeAllConnections();
      await settled();
      await closed;
    },
  };
}

async function answer(endpoint: FhirEndpoint, method: string, path: string, query: string, req: IncomingMessage, raw: Buffer): Promise<EndpointResponse> {
  let body: unknown;
  if (raw.length > 0) {
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^application\/(fhir\+json|json|json\+fhir)\b/i.test(contentType)) {
      return { status: 415, body: errorOutcome('not-supported', `Unsupported Content-Type "${contentType}": send application/fhir+json`), headers: {} };
    }
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return { status: 400, body: errorOutcome('structure', `Body is not valid JSON: ${(err as Error).message}`), headers: {} };
    }
  } else if (method === 'POST' || method === 'PUT') {
    return { status: 400, body: errorOutcome('required', `${method} needs a JSON body`), headers: {} };
  }
  try {
    return await endpoint.handle({ method, path, query, headers: req.headers, body });
  } catch (err) {
    // A fault of the store itself: answer like a real server would, and keep serving.
    return { status: 500, body: errorOutcome('exception', (err as Error).message), headers: {} };
  }
}

function send(res: ServerResponse, response: EndpointResponse): void {
  if (res.headersSent || res.destroyed) return;
  const payload = response.body === undefined ? undefined : Buffer.from(JSON.stringify(response.body), 'utf8');
  res.writeHead(response.status, {
    ...(payload ? { 'Content-Type': FHIR_JSON, 'Content-Length': String(payload.length) } : { 'Content-Length': '0' }),
    ...response.headers,
  });
  res.end(payload);
}

/** A scripted answer: JSON as JSON, a string as it is (an HTML error page from a proxy, say). */
function sendScripted(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const isText = typeof body === 'string';
  const payload = Buffer.from(isText ? body : JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': isText ? 'text/plain; charset=utf-8' : FHIR_JSON, 'Content-Length': String(payload.length), ...headers });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function drain(req: IncomingMessage): Promise<void> {
  req.resume();
  if (!req.readableEnded) await once(req, 'end').catch(() => undefined);
}

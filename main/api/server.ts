// Loopback HTTP status API (DESIGN §8, §9): 127.0.0.1 only, a bearer token on every /api
// endpoint (compared in constant time), no cookies, cross-origin requests refused. The UI's
// static files are public (they hold no data); everything with data needs the token.
// Optionally a second listener for the hospital LAN (docs/service.md §5): HTTPS only, where the
// bearer is a signed-in person's session and each route is checked against that person's role.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { formatEvent, type EventSubscription } from './events.js';
import { isApiPath, type AnyRoute, type HttpMethod, type PathParams, type ResponseOf } from './routeTable.js';
import type { ApiErrorBody } from './contract.js';
import { refusal } from '../auth/access.js';
import type { Principal } from '../auth/lanAuth.js';

/** A handler bound to one entry of the route table (routeTable.ts). */
export interface ApiRoute {
  method: HttpMethod;
  /** Path pattern with `:name` parameters, from the route table. */
  path: string;
  handle: (req: ApiRequest<Record<string, string>>) => Promise<ApiReply> | ApiReply;
  /** Served without a bearer token, on the LAN listener only (the sign-in). */
  public?: boolean;
}

/** Which listener a request came in on, and from where. */
export interface ApiClient {
  channel: 'loopback' | 'lan';
  address: string;
}

export interface ApiRequest<P> {
  params: P;
  query: URLSearchParams;
  /** The parsed JSON body of a POST, as sent: handlers check it before use. */
  body: unknown;
  client?: ApiClient;
  /** The signed-in person (LAN listener); absent on loopback, where the token holder acts. */
  principal?: Principal;
  /** The bearer token presented (a session token on the LAN: sign-out ends it). */
  bearer?: string;
}

export type ApiReply = {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  /** Keep the response open as a server-sent event stream fed by this subscription. */
  events?: EventSubscription;
};

/** A refusal, in the same shape on every endpoint. */
export type ErrorReply = { status: number; json: ApiErrorBody };

/** What a handler may answer, by the route's reply kind: its response type, or an error. */
export type ReplyFor<R extends AnyRoute> = R['reply'] extends 'json'
  ? { status?: number; json: ResponseOf<R> } | ErrorReply
  : R['reply'] extends 'csv' | 'text'
    ? { text: string; contentType: string } | ErrorReply
    : { events: EventSubscription };

/** Binds a handler to a route of the table; the handler's answer is checked against the route's response type. */
export function handle<R extends AnyRoute>(
  route: R,
  fn: (req: ApiRequest<{ [K in keyof PathParams<R['path']>]: string }>) => Promise<ReplyFor<R>> | ReplyFor<R>,
): ApiRoute {
  return { method: route.method, path: route.path, handle: fn as ApiRoute['handle'] };
}

export const badRequest = (message: string): ErrorReply => ({ status: 400, json: { error: 'bad_request', message } });
export const notFound = (message: string): ErrorReply => ({ status: 404, json: { error: 'not_found', message } });

/** A comment line every so often keeps idle event streams open through proxies and sleep. */
const EVENT_HEARTBEAT_MS = 20_000;

/** The LAN listener: where, its TLS certificate and key (PEM), and who may use it. */
export interface LanListenerOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  auth: { authenticate(token: string | undefined): Principal | null };
}

export interface ApiServerOptions {
  host: string;
  port: number;
  token: string;
  routes: ApiRoute[];
  /** Folder of the built UI; served at `/`. */
  staticDir?: string;
  /** Clock of the wrong-token throttle (tests move it instead of waiting). */
  now?: () => number;
  /** Also serve the screen on the hospital LAN, over TLS with user accounts (off unless given). */
  lan?: LanListenerOptions;
}

/**
 * Requests without a valid token accepted per client and window; then that client's token-less
 * requests get 429 until the window ends. A request with the valid token is never throttled:
 * another local process cannot lock the rightful user out.
 */
export const AUTH_THROTTLE = { maxFailures: 20, windowMs: 60_000 } as const;

/** The only hosts the status API may listen on (DESIGN §9); the configuration says the same. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * Constant time in the token's content: both sides are hashed to 32 bytes first, so neither
 * the first differing byte nor a length mismatch changes how long the comparison takes.
 */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented.length > 0;
}

function compile(path: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = new RegExp(
    '^' +
      path.replace(/:([A-Za-z]+)/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      }) +
      '$',
  );
  return { re, names };
}

export class ApiServer {
  private server?: Server;
  private lanServer?: Server;
  /** `https://host:port` of the LAN listener, once started. */
  lanUrl = '';
  private readonly compiled: { route: ApiRoute; re: RegExp; names: string[] }[];
  /** Failed attempts per client address in the current window. */
  private readonly failedAuth = new Map<string, { n: number; since: number }>();
  url = '';

  constructor(private readonly opts: ApiServerOptions) {
    this.compiled = opts.routes.map((route) => ({ route, ...compile(route.path) }));
  }

  async start(): Promise<string> {
    if (!LOOPBACK_HOSTS.has(this.opts.host)) throw new Error(`the status API listens on loopback only (127.0.0.1 or ::1), not ${JSON.stringify(this.opts.host)}`);
    this.server = createServer((req, res) => {
      // Generic texts only: internal messages can name paths and state useful to a prober.
      this.handle(req, res, 'loopback').catch((err) => this.failed(res, err));
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
    if (this.opts.lan) await this.startLan(this.opts.lan);
    return this.url;
  }

  private async startLan(lan: LanListenerOptions): Promise<void> {
    const server = createTlsServer({ cert: lan.cert, key: lan.key, minVersion: 'TLSv1.2' }, (req, res) => {
      this.handle(req, res, 'lan').catch((err) => this.failed(res, err));
    });
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(lan.port, lan.host, () => resolve());
    });
    this.lanServer = server;
    const addr = server.address() as AddressInfo;
    this.lanUrl = `https://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  async stop(): Promise<void> {
    if (this.lanServer) {
      const lan = this.lanServer;
      lan.closeAllConnections();
      await new Promise<void>((resolve) => lan.close(() => resolve()));
      this.lanServer = undefined;
    }
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8'): void {
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType });
    res.end(payload);
  }

  /** Counts one failed attempt of `client`; true when it is over the limit (slow down guessing). */
  private failedAttempt(client: string): boolean {
    const now = (this.opts.now ?? Date.now)();
    for (const [k, v] of this.failedAuth) if (now - v.since > AUTH_THROTTLE.windowMs) this.failedAuth.delete(k);
    const entry = this.failedAuth.get(client) ?? { n: 0, since: now };
    entry.n++;
    this.failedAuth.set(client, entry);
    return entry.n > AUTH_THROTTLE.maxFailures;
  }

  /**
   * DNS rebinding: a page from another site whose name now resolves to 127.0.0.1 reaches this
   * port with its own name in `Host`. Only the bound address (or localhost) with our port is served.
   */
  /** A handler that threw: a generic answer (a malformed percent-encoding is the caller's fault). */
  private failed(res: ServerResponse, err: unknown): void {
    if (res.headersSent) return;
    if (err instanceof URIError) this.send(res, 400, { error: 'bad_request', message: 'malformed percent-encoding in the URL' });
    else this.send(res, 500, { error: 'internal', message: 'internal error' });
  }

  private hostAllowed(host: string | undefined): boolean {
    const port = new URL(this.url).port;
    const bound = new URL(this.url).hostname;
    return host !== undefined && [bound, 'localhost', '127.0.0.1', '[::1]'].some((h) => host.toLowerCase() === `${h}:${port}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, channel: ApiClient['channel']): Promise<void> {
    // DNS rebinding: on loopback only the bound address may be named. The LAN listener is
    // reached by whatever name the hospital gives the machine, over TLS with sessions.
    if (channel === 'loopback' && !this.hostAllowed(req.headers.host)) return this.send(res, 421, { error: 'misdirected', message: 'unknown Host' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    // Only the UI's own origin: a page elsewhere, a local file or a sandboxed frame ("null") is refused.
    // On the LAN the page's origin is the name the officer typed (the Host header) over https.
    const ownOrigin = channel === 'lan' ? `https://${req.headers.host ?? ''}` : this.url;
    if (origin !== undefined && origin !== ownOrigin) {
      return this.send(res, 403, { error: 'forbidden', message: 'cross-origin requests are not allowed' });
    }
    if (!isApiPath(url.pathname)) return this.serveStatic(url.pathname, res);
    if (channel === 'lan') return this.handleLan(req, res, url);

    const auth = req.headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (!tokenMatches(presented, this.opts.token)) {
      if (this.failedAttempt(req.socket.remoteAddress ?? '')) return this.send(res, 429, { error: 'too_many_attempts', message: 'too many requests without a valid token; wait a minute' });
      return this.send(res, 401, { error: 'unauthorized', message: 'a valid bearer token is required (see api.json in the data folder)' });
    }
    const client: ApiClient = { channel: 'loopback', address: req.socket.remoteAddress ?? '' };
    for (const { route, re, names } of this.compiled) {
      const m = re.exec(url.pathname);
      if (!m) continue;
      if (route.method !== req.method) continue;
      if (route.public) break; // the sign-in belongs to the LAN listener
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      let body: unknown = undefined;
      if (req.method === 'POST') body = await readJsonBody(req);
      return this.reply(res, await route.handle({ params, query: url.searchParams, body, client, bearer: presented }));
    }
    return this.send(res, 404, { error: 'not_found', message: `no endpoint ${req.method} ${url.pathname}` });
  }

  /** The LAN listener: the sign-in is open; everything else needs a live session whose role allows it. */
  private async handleLan(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const lan = this.opts.lan!;
    const client: ApiClient = { channel: 'lan', address: normaliseAddress(req.socket.remoteAddress) };
    const auth = req.headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    for (const { route, re, names } of this.compiled) {
      const m = re.exec(url.pathname);
      if (!m || route.method !== req.method) continue;
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      let principal: Principal | undefined;
      if (!route.public) {
        principal = lan.auth.authenticate(presented) ?? undefined;
        if (!principal) return this.send(res, 401, { error: 'unauthorized', message: 'sign in first (or again: sessions end after a while without activity)' });
      }
      const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
      const refused = principal ? refusal(principal.role, route, body) : null;
      if (refused) return this.send(res, 403, { error: 'forbidden', message: refused });
      return this.reply(res, await route.handle({ params, query: url.searchParams, body, client, principal, bearer: presented }));
    }
    return this.send(res, 404, { error: 'not_found', message: `no endpoint ${req.method} ${url.pathname}` });
  }

  private reply(res: ServerResponse, reply: ApiReply): void {
    if (reply.events) return this.stream(res, reply.events);
    if (reply.text !== undefined) return this.send(res, reply.status ?? 200, reply.text, reply.contentType ?? 'text/plain; charset=utf-8');
    return this.send(res, reply.status ?? 200, reply.json ?? {});
  }

  private stream(res: ServerResponse, subscribe: EventSubscription): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = subscribe((event, data) => res.write(formatEvent(event, data)));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), EVENT_HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  private async serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const root = this.opts.staticDir;
    if (!root) return this.send(res, 404, { error: 'not_found' });
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(root, rel));
    if (!file.startsWith(normalize(root + sep))) return this.send(res, 404, { error: 'not_found' });
    try {
      const data = await readFile(file);
      this.send(res, 200, data, MIME[extname(file)] ?? 'application/octet-stream');
    } catch {
      this.send(res, 404, { error: 'not_found' });
    }
  }
}

/** `::ffff:10.0.0.5` and `10.0.0.5` are one client for the lockout. */
function normaliseAddress(address: string | undefined): string {
  return (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1024 * 1024) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

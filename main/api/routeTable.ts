// Every endpoint of the loopback status API (DESIGN §8, §10), once: its method, its path and
// the types of what goes in and comes out. The server binds handlers to these entries, and
// the status UI, the command line and the tests build their requests from them, so a path
// is written here and nowhere else. Shared with the renderer: no Node imports, types only.
import type {
  AuditListResponse,
  ConfigViewResponse,
  ConnectionTestResponse,
  ErrorFileListResponse,
  LogListResponse,
  ManagedConfigResponse,
  ManagedImportResponse,
  MessageDetailResponse,
  MessageListResponse,
  OperatorActionRequest,
  OperatorActionResponse,
  OverviewResponse,
  RecordListResponse,
  ReportResponse,
  SessionResponse,
  SignInRequest,
  SignInResponse,
  StatusResponse,
  ThroughputResponse,
} from './contract.js';

/** Every path below starts with this, or is /metrics; anything else is the UI's static files. */
export const API_PREFIX = '/api/';

/** Prometheus scrapes this conventional path (DESIGN §10), with the same bearer token. */
export const METRICS_PATH = '/metrics';

/** Paths that need the bearer token: the API and the metrics. */
export const isApiPath = (pathname: string): boolean => pathname.startsWith(API_PREFIX) || pathname === METRICS_PATH;

export type HttpMethod = 'GET' | 'POST';

/** How the answer travels: a JSON document, a CSV file, plain text, or a server-sent event stream. */
export type ReplyKind = 'json' | 'csv' | 'text' | 'events';

/**
 * One endpoint. `request` (query parameters of a GET, body of a POST) and `response` are
 * type carriers: they have no value at run time, only `method`, `path` and `reply` do.
 */
export interface Route<M extends HttpMethod = HttpMethod, P extends string = string, Req = unknown, Res = unknown, K extends ReplyKind = ReplyKind> {
  readonly method: M;
  /** Path pattern; `:name` segments are parameters. */
  readonly path: P;
  readonly reply: K;
  readonly request?: Req;
  readonly response?: Res;
}

export type AnyRoute = Route<HttpMethod, string, any, any, ReplyKind>;
export type RequestOf<R> = R extends Route<HttpMethod, string, infer Req, unknown, ReplyKind> ? Req : never;
export type ResponseOf<R> = R extends Route<HttpMethod, string, unknown, infer Res, ReplyKind> ? Res : never;

/** `/api/messages/:id/retry` → `{ id: string }`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string | number } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string | number }
    : Record<never, never>;

/** Query parameters: unset, null and empty values are left out of the URL. */
export type Query = Record<string, string | number | undefined | null>;

const json = <Req, Res>() => <M extends HttpMethod, P extends string>(method: M, path: P): Route<M, P, Req, Res, 'json'> => ({ method, path, reply: 'json' });
const csv = <Req>() => <P extends string>(path: P): Route<'GET', P, Req, string, 'csv'> => ({ method: 'GET', path, reply: 'csv' });

/** Day filters of the reports and records screens: `YYYY-MM-DD` on the agent's clock, both included. */
export interface DayRangeQuery extends Query {
  from?: string;
  to?: string;
}

export interface RecordQuery extends DayRangeQuery {
  q?: string;
  state?: string;
  destination?: string;
  before?: number;
  limit?: number;
}

export const ROUTES = {
  // ── Core (DESIGN §10: the shape of GET /api/status is a public contract) ─────────────
  status: json<void, StatusResponse>()('GET', '/api/status'),
  /** Prometheus text exposition format 0.0.4 (metrics.ts); outside /api/, same bearer token. */
  metrics: { method: 'GET', path: METRICS_PATH, reply: 'text' } as Route<'GET', typeof METRICS_PATH, void, string, 'text'>,
  messages: json<{ limit?: number; before?: number }, MessageListResponse>()('GET', '/api/messages'),
  message: json<void, MessageDetailResponse>()('GET', '/api/messages/:id'),
  retryMessage: json<void, { retried: number }>()('POST', '/api/messages/:id/retry'),
  /** The agent's log, newest first: `level` = least severe included (error|warn|info|debug), `since`/`until` ISO times. */
  logs: json<{ level?: string; since?: string; until?: string; limit?: number }, LogListResponse>()('GET', '/api/logs'),

  // ── Ministry-managed configuration (docs/managed-config.md §8) ────────────────────
  managedConfig: json<void, ManagedConfigResponse>()('GET', '/api/config/managed'),
  /** Body: the signed document itself. 200 when applied, 422 (same body shape) when refused. */
  importConfig: json<unknown, ManagedImportResponse>()('POST', '/api/config/import'),
  pollConfig: json<void, ManagedConfigResponse>()('POST', '/api/config/poll'),

  // ── Status UI ──────────────────────────────────────────────────────────────────────
  overview: json<void, OverviewResponse>()('GET', '/api/ui/overview'),
  /** `overview` events: the same document as `overview`, pushed when it changes. */
  events: { method: 'GET', path: '/api/events', reply: 'events' } as Route<'GET', '/api/events', void, OverviewResponse, 'events'>,
  throughput: json<{ range: '24h' | '7d' }, ThroughputResponse>()('GET', '/api/ui/throughput'),
  records: json<RecordQuery, RecordListResponse>()('GET', '/api/ui/records'),
  /** `via: 'cli'` marks actions sent from the command line in the audit log. */
  act: json<OperatorActionRequest & { via?: 'cli' }, OperatorActionResponse>()('POST', '/api/ui/actions'),
  audit: json<{ limit?: number }, AuditListResponse>()('GET', '/api/ui/audit'),
  auditCsv: csv<{ limit?: number; lang?: 'vi' | 'en' }>()('/api/ui/audit.csv'),
  reports: json<DayRangeQuery, ReportResponse>()('GET', '/api/ui/reports'),
  /** `part`: the daily counts (default), the claim-check findings per rule per day, or the daily quality score. */
  reportsCsv: csv<DayRangeQuery & { lang?: 'vi' | 'en'; part?: 'days' | 'findings' | 'score' }>()('/api/ui/reports.csv'),
  config: json<void, ConfigViewResponse>()('GET', '/api/ui/config'),
  testConnection: json<void, ConnectionTestResponse>()('POST', '/api/ui/destinations/:id/test'),

  // ── Sessions of the LAN status screen (docs/service.md §5) ────────────────────────────
  /** Who is asking: on loopback the token's full rights, on the LAN the signed-in person. */
  session: json<void, SessionResponse>()('GET', '/api/session'),
  /** LAN listener only, and the only endpoint there without a bearer token. 401 wrong, 429 locked. */
  signIn: json<SignInRequest, SignInResponse>()('POST', '/api/session/sign-in'),
  signOut: json<void, { signedOut: true }>()('POST', '/api/session/sign-out'),
  /** Files moved to the error folders, newest first, with the reason in Vietnamese. */
  errorFiles: json<{ limit?: number }, ErrorFileListResponse>()('GET', '/api/ui/error-files'),
  /** The officer has seen the list: health goes back to green for these files. */
  errorFilesSeen: json<void, { seenAt: string }>()('POST', '/api/ui/error-files/seen'),
} as const;

export type RouteName = keyof typeof ROUTES;

/** What a caller gives to reach a route: its path parameters, and query parameters for a GET. */
export type Target<R extends AnyRoute> = (keyof PathParams<R['path']> extends never ? { params?: undefined } : { params: PathParams<R['path']> }) &
  (R['method'] extends 'GET' ? { query?: RequestOf<R> extends void ? undefined : RequestOf<R> } : { query?: undefined });

/** The URL path (and query string) of a route for these parameters; values are URL-encoded. */
export function pathTo<R extends AnyRoute>(route: R, target?: Target<R>): string {
  const params = (target?.params ?? {}) as Record<string, string | number>;
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.path}: parameter "${name}" is missing`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries((target?.query ?? {}) as Query)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

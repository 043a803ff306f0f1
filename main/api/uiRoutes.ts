// Status UI endpoints (DESIGN §8) beside the core ones in routes.ts: overview with live
// updates, records search, operator actions (audited), reports and CSV, configuration view
// and connection tests. Each handler is a thin adapter over a store query module.
import { userInfo } from 'node:os';
import { SECRET_KEYS } from '../config/annotations.js';
import type { AgentConfig } from '../config/schema.js';
import type { OperatorLedger, ReadModels } from '../store/ports.js';
import { badRequest, handle, notFound, type ApiRoute, type ErrorReply, type ReplyFor } from './server.js';
import { ROUTES } from './routeTable.js';
import type { Principal } from '../auth/lanAuth.js';
import { recordContext } from './routes.js';
import type {
  AuditListResponse,
  ConnectionTestResponse,
  ConfigViewResponse,
  ErrorFileListResponse,
  ManagedConfigDto,
  OperatorActionRequest,
  OperatorActionResponse,
  OverviewResponse,
  RecordListResponse,
  ReportResponse,
  StatusResponse,
  ThroughputResponse,
} from './contract.js';
import { createChangeFeed } from './events.js';
import { findingCountDtos, findingCountLines, scoreLines } from './claimFindings.js';
import { testConnection } from './connectionTest.js';
import { isSearchableState } from '../store/search.js';
import { localDayKey, localDays, localDayStart, parseLocalDay } from '../store/reports.js';
import { NotConvertedError } from '../store/operatorActions.js';
import { SupersededError } from '../store/versions.js';

export interface UiRouteDeps {
  store: ReadModels & OperatorLedger;
  config: AgentConfig;
  status: () => StatusResponse;
  /** Work became due (retry, resend): wake the delivery workers. */
  wakeDeliveries: () => void;
  /** Stops (pause) or starts (resume) one destination's delivery worker. */
  setDestinationRunning: (destinationId: string, running: boolean) => Promise<void>;
  /** Reads a destination's CapabilityStatement with its delivery credentials; defaults to testConnection (none or bearer auth). */
  testConnection?: (destinationId: string) => Promise<ConnectionTestResponse>;
  /** The ministry-managed configuration in force, when there is one. */
  managed?: () => ManagedConfigDto | null;
  now?: () => number;
  /** How often open screens are refreshed over server-sent events (ms). */
  eventIntervalMs?: number;
  /** Files the watched folders moved to their error folders. */
  errorFiles?: ErrorFileLedger;
}

/** What the error-files panel reads and marks (main/agent/errorFiles.ts). */
export interface ErrorFileLedger {
  list(limit?: number): ErrorFileListResponse;
  markSeen(): string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_REPORT_DAYS = 366;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Who acted, for the audit log: on the LAN the signed-in person (`lan.nguyen@lan`); on the
 * agent's own machine the OS account running it, through the UI or the command line.
 */
function actor(via: unknown, principal?: Principal): string {
  if (principal) return `${principal.user}@lan`;
  const channel = via === 'cli' ? 'cli' : 'status-ui';
  try {
    return `${userInfo().username}@${channel}`;
  } catch {
    return channel;
  }
}

const positiveInt = (s: string | null | undefined): number | null => {
  const n = Number(s);
  return s != null && s !== '' && Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** A `[from, to]` pair of `YYYY-MM-DD` days turned into local-midnight bounds, or a 400 reply. */
function dayRange(query: URLSearchParams, now: number, defaultDays: number): { from: number; to: number; end: number } | ErrorReply {
  const today = localDayStart(now);
  const fromText = query.get('from');
  const toText = query.get('to');
  const to = toText ? parseLocalDay(toText) : today;
  if (to === null) return badRequest(`"to" must be a day written YYYY-MM-DD, got ${JSON.stringify(toText)}`);
  const from = fromText ? parseLocalDay(fromText) : localDays(to - (defaultDays - 1) * DAY_MS - 12 * HOUR_MS, to)[0]!;
  if (from === null) return badRequest(`"from" must be a day written YYYY-MM-DD, got ${JSON.stringify(fromText)}`);
  if (from > to) return badRequest('"from" must not be after "to"');
  const days = localDays(from, to);
  if (days.length > MAX_REPORT_DAYS) return badRequest(`a report covers at most ${MAX_REPORT_DAYS} days`);
  const end = localDays(to, to + 2 * DAY_MS)[1]!;
  return { from, to, end };
}

const isReply = (v: unknown): v is ErrorReply => typeof v === 'object' && v !== null && 'status' in v && 'json' in v;

/**
 * Keys whose values are secrets, or references to secrets, in any part of the configuration:
 * the settings the schema marks x-secret, and any key named like one (a profile pack, a future
 * setting), so nothing slips through.
 */
const SECRET_KEY = /(token|secret|password|passphrase|privatekey|^key$|^pfx$)/i;
const isSecretKey = (key: string) => SECRET_KEYS.has(key) || SECRET_KEY.test(key);

/** Copies a configuration section with every secret value replaced by a mask (the reference kind stays: `env:••••••`). */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  if (typeof value === 'string' && isSecretKey(key)) return value.includes(':') ? `${value.split(':')[0]}:••••••` : '••••••';
  return value;
}

/** What the configuration view reads; structural so that new configuration keys show up masked. */
export interface ConfigLike {
  facility: { code: string; name?: string };
  dataDir: string;
  sources: readonly object[];
  destinations: readonly object[];
  statusApi: { host: string; port: number };
  retry: object;
  managed?: { url?: string };
}

/** Secrets never leave the agent: values are masked wherever they sit, references included. */
export function maskedConfig(config: ConfigLike, managed: ManagedConfigDto | null): ConfigViewResponse {
  return {
    facility: { ...config.facility },
    dataDir: config.dataDir,
    sources: config.sources.map((s) => maskSecrets(s) as Record<string, unknown>),
    destinations: config.destinations.map((d) => maskSecrets(d) as Record<string, unknown>),
    statusApi: { ...config.statusApi },
    retry: { ...(config.retry as Record<string, number>) },
    managed,
    managedUrl: config.managed?.url ?? null,
  };
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_HEADERS = {
  vi: ['Ngày', 'Điểm nhận', 'Đã nhận', 'Đã gửi', 'Bị từ chối'],
  en: ['Day', 'Destination', 'Received', 'Delivered', 'Rejected'],
} as const;

/** The audit log as a report: who, when, what, on what, and the before/after detail. */
const AUDIT_CSV_HEADERS = {
  vi: ['STT', 'Thời điểm', 'Người thực hiện', 'Thao tác', 'Đối tượng', 'Số bản ghi', 'Chi tiết (trước/sau)'],
  en: ['Id', 'At', 'Actor', 'Action', 'Target', 'Affected', 'Detail (before/after)'],
} as const;

export function uiRoutes(deps: UiRouteDeps): ApiRoute[] {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const destinationIds = () => deps.config.destinations.map((d) => d.id);
  /** The ministry document in force: from the deps when given, else from the agent's status. */
  const managed = (status?: StatusResponse): ManagedConfigDto | null => {
    if (deps.managed) return deps.managed();
    const m = (status ?? deps.status()).managed;
    return m && m.version > 0 ? { version: m.version, appliedAt: m.appliedAt } : null;
  };

  const overview = (): OverviewResponse => {
    const t = now();
    const dayStart = localDayStart(t);
    const today = store.todayCounts(dayStart, t, destinationIds());
    const status = deps.status();
    return {
      status,
      todayStartsAt: iso(dayStart),
      receivedToday: today.received,
      deliveredToday: today.delivered,
      pausedByOperator: store.pausedDestinations(),
      openInvalid: store.openInvalidCount(),
      // Counted only while something is owed: the sum of pending says whether.
      recordsAwaitingDelivery: status.destinations.some((d) => d.pending > 0) ? store.recordsAwaitingDelivery() : 0,
      managed: managed(status),
    };
  };
  const feed = createChangeFeed('overview', overview, deps.eventIntervalMs ?? 1000);

  const act = async (body: unknown, principal?: Principal): Promise<ReplyFor<typeof ROUTES.act>> => {
    const req = body as Partial<OperatorActionRequest> | undefined;
    const known = new Set(destinationIds());
    const t = now();
    const who = actor((body as { via?: unknown } | undefined)?.via, principal);
    const reply = (action: OperatorActionRequest['action'], r: { affected: number; auditId: number }): ReplyFor<typeof ROUTES.act> => {
      feed.poke();
      const json: OperatorActionResponse = { action, affected: r.affected, auditId: r.auditId };
      return { json };
    };
    const destinationOf = (id: unknown): string | ErrorReply =>
      typeof id === 'string' && known.has(id) ? id : badRequest(`unknown destination ${JSON.stringify(id)}; known: ${[...known].join(', ')}`);
    const messageOf = (id: unknown): number | ErrorReply =>
      typeof id === 'number' && Number.isSafeInteger(id) && id > 0 && store.message(id) ? id : notFound(`no record ${JSON.stringify(id)}`);

    switch (req?.action) {
      case 'retry_message': {
        const id = messageOf(req.messageId);
        if (isReply(id)) return id;
        try {
          const r = store.retryMessage(id, who, t);
          deps.wakeDeliveries();
          return reply(req.action, r);
        } catch (err) {
          if (err instanceof SupersededError) return superseded(err);
          throw err;
        }
      }
      case 'retry_rejected': {
        let dest: string | undefined;
        if (req.destinationId !== undefined) {
          const d = destinationOf(req.destinationId);
          if (isReply(d)) return d;
          dest = d;
        }
        const r = store.retryRejected(dest, who, t);
        deps.wakeDeliveries();
        return reply(req.action, r);
      }
      case 'resend': {
        const id = messageOf(req.messageId);
        if (isReply(id)) return id;
        const dest = destinationOf(req.destinationId);
        if (isReply(dest)) return dest;
        try {
          const r = store.resend(id, dest, who, t);
          deps.wakeDeliveries();
          return reply(req.action, r);
        } catch (err) {
          if (err instanceof NotConvertedError) return { status: 409, json: { error: 'not_converted', message: err.message } };
          if (err instanceof SupersededError) return superseded(err);
          throw err;
        }
      }
      case 'pause_destination':
      case 'resume_destination': {
        const dest = destinationOf(req.destinationId);
        if (isReply(dest)) return dest;
        const pause = req.action === 'pause_destination';
        const r = store.setDestinationPaused(dest, pause, who, t);
        await deps.setDestinationRunning(dest, !pause);
        return reply(req.action, r);
      }
      case 'cancel': {
        const id = messageOf(req.messageId);
        if (isReply(id)) return id;
        let dest: string | undefined;
        if (req.destinationId !== undefined) {
          const d = destinationOf(req.destinationId);
          if (isReply(d)) return d;
          dest = d;
        }
        return reply(req.action, store.cancelDeliveries(id, dest, who, t));
      }
      case 'resend_matching': {
        const dest = destinationOf(req.destinationId);
        if (isReply(dest)) return dest;
        const day = (v: unknown, name: string): number | undefined | ErrorReply => {
          if (v === undefined) return undefined;
          const d = typeof v === 'string' ? parseLocalDay(v) : null;
          return d === null ? badRequest(`"${name}" must be a day written YYYY-MM-DD`) : d;
        };
        const from = day(req.from, 'from');
        if (isReply(from)) return from;
        const toDay = day(req.to, 'to');
        if (isReply(toDay)) return toDay;
        if (req.deliveryState !== undefined && !isSearchableState(req.deliveryState)) return badRequest(`unknown state ${JSON.stringify(req.deliveryState)}`);
        const to = toDay === undefined ? undefined : toDay + DAY_MS;
        const r = store.resendMatching(dest, { from, to, deliveryState: req.deliveryState }, who, t);
        deps.wakeDeliveries();
        return reply(req.action, r);
      }
      default:
        return badRequest('"action" must be one of retry_message, retry_rejected, resend, cancel, resend_matching, pause_destination, resume_destination');
    }
  };

  const report = (query: URLSearchParams): ReportResponse | ErrorReply => {
    const range = dayRange(query, now(), 7);
    if (isReply(range)) return range;
    const dests = destinationIds();
    return {
      from: localDayKey(range.from),
      to: localDayKey(range.to),
      days: store.dailyReport(range.from, range.to, dests),
      quality: store.qualityReport(range.from, range.end),
      qualityByDay: store.qualityByDay(range.from, range.to),
      latency: store.latencyReport(range.from, range.end, dests),
      findingsByDay: findingCountDtos(store.findingCountsByDay(range.from, range.to)),
      scoreByDay: store.scoreByDay(range.from, range.to),
    };
  };

  return [
    handle(ROUTES.overview, () => ({ json: overview() })),
    handle(ROUTES.events, () => ({ events: feed.subscribe })),
    handle(ROUTES.throughput, ({ query }) => {
      const t = now();
      const range = query.get('range') === '7d' ? '7d' : '24h';
      const body: ThroughputResponse =
        range === '24h'
          ? { range, bucketMs: HOUR_MS, buckets: [] }
          : { range, bucketMs: DAY_MS, buckets: [] };
      const first = range === '7d' ? localDays(localDayStart(t) - 6 * DAY_MS - 12 * HOUR_MS, localDayStart(t))[0]! : undefined;
      body.buckets = store.throughput(t, body.bucketMs, range === '24h' ? 24 : 7, destinationIds(), first).map((b) => ({ ...b, start: iso(b.start) }));
      return { json: body };
    }),
    handle(ROUTES.records, ({ query }) => {
      const limit = Math.min(200, positiveInt(query.get('limit')) ?? 50);
      const state = query.get('state') || undefined;
      if (state && !isSearchableState(state)) return badRequest(`unknown state ${JSON.stringify(state)}`);
      const destination = query.get('destination') || undefined;
      if (destination && !destinationIds().includes(destination)) return badRequest(`unknown destination ${JSON.stringify(destination)}`);
      let from: number | undefined;
      let to: number | undefined;
      if (query.get('from') || query.get('to')) {
        const range = dayRange(query, now(), MAX_REPORT_DAYS);
        if (isReply(range)) return range;
        if (query.get('from')) from = range.from;
        if (query.get('to')) to = range.end;
      }
      const hits = deps.store.searchRecords({ q: query.get('q') ?? undefined, from, to, state, destinationId: destination, before: positiveInt(query.get('before')) ?? undefined, limit });
      const body: RecordListResponse = {
        items: hits.map((h) => ({
          ...h,
          ...recordContext(deps.store, h),
          receivedAt: iso(h.receivedAt),
          convertedAt: h.convertedAt === null ? null : iso(h.convertedAt),
        })),
        nextBefore: hits.length === limit ? hits[hits.length - 1]!.id : null,
      };
      return { json: body };
    }),
    handle(ROUTES.act, ({ body, principal }) => act(body, principal)),
    handle(ROUTES.audit, ({ query }) => {
      const body: AuditListResponse = {
        items: store.auditLog(Math.min(500, positiveInt(query.get('limit')) ?? 50)).map((a) => ({ ...a, at: iso(a.at) })),
      };
      return { json: body };
    }),
    handle(ROUTES.auditCsv, ({ query }) => {
      const rows = store.auditLog(Math.min(100_000, positiveInt(query.get('limit')) ?? 10_000));
      const header = AUDIT_CSV_HEADERS[query.get('lang') === 'en' ? 'en' : 'vi'];
      const lines = [
        header.join(','),
        ...rows.map((a) => [a.id, iso(a.at), a.actor, a.action, a.target ?? '', a.affected, a.detail ? JSON.stringify(a.detail) : ''].map(csvCell).join(',')),
      ];
      return { text: `\uFEFF${lines.join('\r\n')}\r\n`, contentType: 'text/csv; charset=utf-8' };
    }),
    handle(ROUTES.reports, ({ query }) => {
      const r = report(query);
      return isReply(r) ? r : { json: r };
    }),
    handle(ROUTES.reportsCsv, ({ query }) => {
      const r = report(query);
      if (isReply(r)) return r;
      const lang = query.get('lang') === 'en' ? 'en' : 'vi';
      const part = query.get('part') ?? 'days';
      if (part !== 'days' && part !== 'findings' && part !== 'score') return badRequest('"part" must be one of days, findings, score');
      const header = CSV_HEADERS[lang];
      const lines =
        part === 'findings'
          ? findingCountLines(r.findingsByDay ?? [], lang, csvCell)
          : part === 'score'
            ? scoreLines(r.scoreByDay ?? [], lang, csvCell)
            : [header.join(','), ...r.days.map((d) => [d.day, d.destinationId, d.received, d.delivered, d.rejected].map(csvCell).join(','))];
      // The byte-order mark makes spreadsheet programs read the Vietnamese header as UTF-8.
      return { text: `\uFEFF${lines.join('\r\n')}\r\n`, contentType: 'text/csv; charset=utf-8' };
    }),
    handle(ROUTES.config, () => ({ json: maskedConfig(deps.config, managed()) })),
    handle(ROUTES.errorFiles, ({ query }) => ({ json: deps.errorFiles?.list(Math.min(1000, positiveInt(query.get('limit')) ?? 200)) ?? { items: [], total: 0, seenAt: null } })),
    handle(ROUTES.errorFilesSeen, () => {
      const seenAt = deps.errorFiles?.markSeen() ?? iso(now());
      feed.poke();
      return { json: { seenAt } };
    }),
    handle(ROUTES.testConnection, async ({ params }) => {
      const dest = deps.config.destinations.find((d) => d.id === params.id);
      if (!dest) return notFound(`no destination ${params.id}`);
      return { json: deps.testConnection ? await deps.testConnection(dest.id) : await testConnection(dest) };
    }),
  ];
}

/** After the agent starts: destinations an operator paused stay paused across restarts. */
export async function applyOperatorPauses(deps: Pick<UiRouteDeps, 'store' | 'setDestinationRunning'>): Promise<string[]> {
  const paused = deps.store.pausedDestinations();
  for (const id of paused) await deps.setDestinationRunning(id, false);
  return paused;
}

/** What the UI routes need of the running agent (structural, so tests and shells can supply it). */
export interface UiAgent {
  readonly store: ReadModels & OperatorLedger;
  readonly config: AgentConfig;
  status(): StatusResponse;
  readonly deliveryWorkers: readonly { readonly id: string; wake(): void; setPaused(paused: boolean): void }[];
  readonly errorFiles?: ErrorFileLedger;
}

/** The route dependencies of a running agent: pause/resume its delivery worker. */
export function uiDepsOf(agent: UiAgent, extra: Pick<UiRouteDeps, 'managed' | 'now' | 'eventIntervalMs'> = {}): UiRouteDeps {
  return {
    store: agent.store,
    // A getter: the configuration in force changes when the ministry pushes a new one.
    get config() {
      return agent.config;
    },
    status: () => agent.status(),
    errorFiles: agent.errorFiles,
    wakeDeliveries: () => agent.deliveryWorkers.forEach((w) => w.wake()),
    // A paused worker keeps its queue and shows "paused"; resuming makes it claim again at once.
    setDestinationRunning: async (id, running) => {
      agent.deliveryWorkers.find((w) => w.id === id)?.setPaused(!running);
    },
    ...extra,
  };
}

/** An older version of a record is never sent over a newer one: the operator is told which one replaced it. */
function superseded(err: SupersededError): { status: 409; json: { error: string; message: string; newerMessageId: number } } {
  return { status: 409, json: { error: 'superseded', message: err.message, newerMessageId: err.newerId } };
}

// Status API endpoints over the store and the running workers.
import type { ReadModels } from '../store/ports.js';
import type { MessageRow } from '../store/types.js';
import { partInFlight } from '../store/states.js';
import { findingDtos } from './claimFindings.js';
import { badRequest, handle, notFound, type ApiRoute } from './server.js';
import { LOG_LEVELS, readLogs, type LogLevel } from './logs.js';
import { basename } from 'node:path';
import { ROUTES } from './routeTable.js';
import { problemText } from '../../connectors/formats/problemTexts.js';
import { MessageState } from '../store/states.js';
import { METRIC_BOUNDS_MS, METRICS_CONTENT_TYPE, renderMetrics, type IntakeStats } from './metrics.js';
import type { MessageDetailResponse, MessageListResponse, MessageSummaryDto, StatusResponse } from './contract.js';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function toSummary(m: MessageRow): MessageSummaryDto {
  return {
    id: m.id,
    sourceId: m.sourceId,
    format: m.format,
    naturalKey: m.naturalKey,
    version: m.version,
    state: m.state,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    receivedAt: iso(m.receivedAt)!,
    convertedAt: iso(m.convertedAt),
    resourceCount: m.resourceCount,
  };
}

/** The record's file and HOSO number, and for an invalid record the reason and next step (DESIGN §8). */
export function recordContext(store: Pick<ReadModels, 'recordOrigin'>, m: Pick<MessageRow, 'id' | 'state' | 'errorCode'>): Pick<MessageSummaryDto, 'origin' | 'problem'> {
  const o = store.recordOrigin(m.id);
  return {
    ...(o ? { origin: { file: basename(o.file), recordNumber: o.recordNumber } } : {}),
    ...(m.state === MessageState.invalid ? { problem: problemText(m.errorCode) } : {}),
  };
}

export interface RouteDeps {
  store: ReadModels;
  status: () => StatusResponse;
  /** MLLP listeners' counters (frames, ACK times, commits), for /metrics. */
  intake?: () => IntakeStats[];
  /** The folder of the agent's log files (<dataDir>/logs). */
  logsDir?: () => string;
  /** Makes a record's waiting or rejected deliveries due now; returns how many. */
  retryMessage: (id: number) => number;
}

const parseId = (s: string | undefined) => {
  const n = Number(s);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

export function apiRoutes(deps: RouteDeps): ApiRoute[] {
  const { store } = deps;
  return [
    handle(ROUTES.status, () => ({ json: deps.status() })),
    handle(ROUTES.metrics, () => ({ text: renderMetrics(store.metricsSnapshot(METRIC_BOUNDS_MS), deps.status(), METRIC_BOUNDS_MS, deps.intake?.() ?? []), contentType: METRICS_CONTENT_TYPE })),
    handle(ROUTES.messages, ({ query }) => {
      const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 50) || 50));
      const before = parseId(query.get('before') ?? undefined) ?? Number.MAX_SAFE_INTEGER;
      const rows = store.listMessages(limit, before);
      const body: MessageListResponse = {
        items: rows.map(toSummary),
        nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null,
      };
      return { json: body };
    }),
    handle(ROUTES.message, ({ params }) => {
      const id = parseId(params.id);
      const m = id ? store.message(id) : undefined;
      if (!m) return notFound(`no record ${params.id}`);
      const detail = store.messageDetail(m.id)!;
      const body: MessageDetailResponse = {
        ...toSummary(m),
        ...recordContext(store, m),
        raw: detail.raw ? detail.raw.toString('utf8') : null,
        bundle: detail.bundle ? JSON.parse(detail.bundle) : null,
        issues: detail.issues ? JSON.parse(detail.issues) : null,
        deliveries: store.deliveriesOf(m.id).map((d) => {
          const part = partInFlight(d.state, d.partsDone, d.partsTotal);
          return {
            destinationId: d.destinationId,
            state: d.state,
            attempts: d.attempts,
            nextAttemptAt: iso(d.nextAttemptAt),
            lastErrorCode: d.lastErrorCode,
            lastError: d.lastError,
            deliveredAt: iso(d.deliveredAt),
            ...(part ? { part } : {}),
            ...(d.supersededBy !== null ? { supersededBy: d.supersededBy } : {}),
          };
        }),
        attempts: store.attemptsOf(m.id).map((a) => ({
          destinationId: a.destinationId,
          startedAt: iso(a.startedAt)!,
          durationMs: a.durationMs,
          outcome: a.outcome,
          errorCode: a.errorCode,
          httpStatus: a.httpStatus,
          response: a.response,
        })),
        findings: findingDtos(store.findingsOf(m.id)),
      };
      return { json: body };
    }),
    handle(ROUTES.logs, ({ query }) => {
      const level = query.get('level') ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) return badRequest(`"level" must be one of ${LOG_LEVELS.join(', ')}`);
      const time = (name: string): number | undefined | null => {
        const v = query.get(name);
        if (!v) return undefined;
        const t = Date.parse(v);
        return Number.isNaN(t) ? null : t;
      };
      const since = time('since');
      const until = time('until');
      if (since === null || until === null) return badRequest('"since" and "until" must be ISO 8601 times, e.g. 2026-12-01T08:00:00+07:00');
      const limit = Math.min(2000, Math.max(1, Number(query.get('limit') ?? 200) || 200));
      return { json: { items: deps.logsDir ? readLogs(deps.logsDir(), { level: level as LogLevel, since, until, limit }) : [] } };
    }),
    handle(ROUTES.retryMessage, ({ params }) => {
      const id = parseId(params.id);
      if (!id || !store.message(id)) return notFound(`no record ${params.id}`);
      return { json: { retried: deps.retryMessage(id) } };
    }),
  ];
}

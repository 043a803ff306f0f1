// The typed client of the status API (main/api/contract.ts): bearer token on every request,
// live updates by server-sent events read over fetch (EventSource cannot send the header).
import type {
  AuditListResponse,
  ConfigViewResponse,
  ConnectionTestResponse,
  ManagedImportResponse,
  MessageDetailResponse,
  OperatorActionRequest,
  OperatorActionResponse,
  OverviewResponse,
  RecordListResponse,
  ReportResponse,
  ThroughputResponse,
} from '../../main/api/contract.js';
import type { Credentials } from './auth.js';
import { readEvents } from './sse.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's JSON answer, when it gave one. */
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null>;

function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class Api {
  constructor(private readonly creds: Credentials) {}

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.creds.baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.creds.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'network');
    }
    if (!res.ok) {
      let code = 'http';
      let message = `HTTP ${res.status}`;
      let detail: unknown;
      try {
        const j = (await res.json()) as { error?: string; message?: string };
        detail = j;
        code = j.error ?? code;
        message = j.message ?? message;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, code, message, detail);
    }
    return res;
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  overview = () => this.json<OverviewResponse>('GET', '/api/ui/overview');
  throughput = (range: '24h' | '7d') => this.json<ThroughputResponse>('GET', `/api/ui/throughput${queryString({ range })}`);
  records = (q: Query) => this.json<RecordListResponse>('GET', `/api/ui/records${queryString(q)}`);
  record = (id: number) => this.json<MessageDetailResponse>('GET', `/api/messages/${id}`);
  act = (req: OperatorActionRequest) => this.json<OperatorActionResponse>('POST', '/api/ui/actions', req);
  /** A ministry-signed configuration from a file (offline facilities): applied, or refused with the reason. */
  importConfig = async (signed: unknown): Promise<ManagedImportResponse> => {
    try {
      return await this.json<ManagedImportResponse>('POST', '/api/config/import', signed);
    } catch (err) {
      // 422 carries the refusal itself; anything else is a real failure.
      if (err instanceof ApiError && err.status === 422 && err.detail) return err.detail as ManagedImportResponse;
      throw err;
    }
  };
  report = (q: Query) => this.json<ReportResponse>('GET', `/api/ui/reports${queryString(q)}`);
  reportCsv = async (q: Query) => (await this.request('GET', `/api/ui/reports.csv${queryString(q)}`)).blob();
  config = () => this.json<ConfigViewResponse>('GET', '/api/ui/config');
  testConnection = (id: string) => this.json<ConnectionTestResponse>('POST', `/api/ui/destinations/${encodeURIComponent(id)}/test`);
  audit = () => this.json<AuditListResponse>('GET', '/api/ui/audit?limit=100');

  /**
   * Follows `/api/events` until `signal` aborts, reconnecting after failures. `onState`
   * reports whether the stream is up, so the UI can say when it is showing stale numbers.
   */
  async follow(onEvent: (event: string, data: unknown) => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${this.creds.baseUrl}/api/events`, { headers: { Authorization: `Bearer ${this.creds.token}`, Accept: 'text/event-stream' }, signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new ApiError(res.status, 'http', `HTTP ${res.status}`);
        onState(true);
        delay = 1000;
        await readEvents(res.body, onEvent);
      } catch {
        if (signal.aborted) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

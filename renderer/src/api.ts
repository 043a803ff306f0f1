// The typed client of the status API (main/api/contract.ts): bearer token on every request,
// live updates by server-sent events read over fetch (EventSource cannot send the header).
import type { ManagedImportResponse, OperatorActionRequest } from '../../main/api/contract.js';
import { ROUTES, pathTo, type AnyRoute, type DayRangeQuery, type RecordQuery, type RequestOf, type ResponseOf, type Target } from '../../main/api/routeTable.js';
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

export class Api {
  constructor(
    private readonly creds: Credentials,
    /** A session that ended (LAN): the page goes back to the sign-in. */
    private readonly onSessionEnded?: () => void,
  ) {}

  private async request<R extends AnyRoute>(route: R, target?: Target<R>, body?: RequestOf<R>): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.creds.baseUrl}${pathTo(route, target)}`, {
        method: route.method,
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
      if (res.status === 401 && this.onSessionEnded) this.onSessionEnded();
      throw new ApiError(res.status, code, message, detail);
    }
    return res;
  }

  private async json<R extends AnyRoute>(route: R, target?: Target<R>, body?: RequestOf<R>): Promise<ResponseOf<R>> {
    return (await (await this.request(route, target, body)).json()) as ResponseOf<R>;
  }

  overview = () => this.json(ROUTES.overview);
  throughput = (range: '24h' | '7d') => this.json(ROUTES.throughput, { query: { range } });
  records = (query: RecordQuery) => this.json(ROUTES.records, { query });
  record = (id: number) => this.json(ROUTES.message, { params: { id } });
  act = (req: OperatorActionRequest) => this.json(ROUTES.act, {}, req);
  /** A ministry-signed configuration from a file (offline facilities): applied, or refused with the reason. */
  importConfig = async (signed: unknown): Promise<ManagedImportResponse> => {
    try {
      return await this.json(ROUTES.importConfig, {}, signed);
    } catch (err) {
      // 422 carries the refusal itself; anything else is a real failure.
      if (err instanceof ApiError && err.status === 422 && err.detail) return err.detail as ManagedImportResponse;
      throw err;
    }
  };
  report = (query: DayRangeQuery) => this.json(ROUTES.reports, { query });
  reportCsv = async (query: RequestOf<typeof ROUTES.reportsCsv>) => (await this.request(ROUTES.reportsCsv, { query })).blob();
  config = () => this.json(ROUTES.config);
  errorFiles = () => this.json(ROUTES.errorFiles, { query: { limit: 200 } });
  markErrorFilesSeen = () => this.json(ROUTES.errorFilesSeen);
  testConnection = (id: string) => this.json(ROUTES.testConnection, { params: { id } });
  audit = () => this.json(ROUTES.audit, { query: { limit: 100 } });
  session = () => this.json(ROUTES.session);
  signOut = () => this.json(ROUTES.signOut);

  /**
   * Follows the event stream (ROUTES.events) until `signal` aborts, reconnecting after failures. `onState`
   * reports whether the stream is up, so the UI can say when it is showing stale numbers.
   */
  async follow(onEvent: (event: string, data: unknown) => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${this.creds.baseUrl}${pathTo(ROUTES.events)}`, { headers: { Authorization: `Bearer ${this.creds.token}`, Accept: 'text/event-stream' }, signal, cache: 'no-store' });
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

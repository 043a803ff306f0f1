// Requests to a running agent's status API from another process (the command line, the
// desktop shell, tests), built from the route table so that no caller writes a path.
import { pathTo, type AnyRoute, type RequestOf, type ResponseOf, type Target } from './routeTable.js';
import type { ApiErrorBody, ApiInfo } from './contract.js';

/** The route's response when the agent accepted; its refusal (`{}` when it was not JSON) otherwise. */
export type AgentAnswer<R extends AnyRoute> = { ok: true; status: number; body: ResponseOf<R> } | { ok: false; status: number; body: Partial<ApiErrorBody> };

/** Sends one request with the agent's token; network failures, timeouts and a 2xx that is not JSON throw. */
export async function callAgent<R extends AnyRoute>(
  info: Pick<ApiInfo, 'url' | 'token'>,
  route: R,
  request: { target?: Target<R>; body?: RequestOf<R>; timeoutMs?: number } = {},
): Promise<AgentAnswer<R>> {
  const res = await fetch(`${info.url}${pathTo(route, request.target)}`, {
    method: route.method,
    headers: { Authorization: `Bearer ${info.token}`, ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
  });
  if (res.ok) return { ok: true, status: res.status, body: (await res.json()) as ResponseOf<R> };
  return { ok: false, status: res.status, body: (await res.json().catch(() => ({}))) as Partial<ApiErrorBody> };
}

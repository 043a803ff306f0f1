// Who may do what on the status screen over the network (docs/service.md). Two roles: a
// records officer watches and handles records (view, retry, resend, cancel); an IT
// administrator may also change the configuration, pause and resume destinations and test
// connections. The loopback token (the agent's own machine) keeps every right, as before.
import { ROUTES, type AnyRoute } from '../api/routeTable.js';
import type { OperatorActionRequest } from '../api/contract.js';

export const ROLES = ['officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABEL: Record<Role, string> = { officer: 'cán bộ hồ sơ / records officer', admin: 'quản trị CNTT / IT administrator' };

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** Operator actions a records officer may take; the rest (pause, resume) are the administrator's. */
const OFFICER_ACTIONS: ReadonlySet<OperatorActionRequest['action']> = new Set(['retry_message', 'retry_rejected', 'resend', 'resend_matching', 'cancel']);

/** Endpoints only an administrator may call (configuration, connection tests). */
const ADMIN_ONLY: readonly AnyRoute[] = [ROUTES.importConfig, ROUTES.pollConfig, ROUTES.config, ROUTES.testConnection];

/** Null when allowed; else why not, in plain words. */
export function refusal(role: Role, route: Pick<AnyRoute, 'method' | 'path'>, body: unknown): string | null {
  if (role === 'admin') return null;
  if (ADMIN_ONLY.some((r) => r.method === route.method && r.path === route.path)) return 'only an IT administrator may do this';
  if (route.method === ROUTES.act.method && route.path === ROUTES.act.path) {
    const action = (body as { action?: unknown } | undefined)?.action;
    if (!OFFICER_ACTIONS.has(action as OperatorActionRequest['action'])) return 'only an IT administrator may pause or resume a destination';
  }
  return null;
}

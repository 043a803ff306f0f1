// The status API of a running agent, wired in one place: the core endpoints, the managed
// configuration and the status UI's, on one loopback server (DESIGN §8, §9). The agent and
// the UI tests both start it through this function, so what the tests see is what runs.
import type { IntakeStats } from './metrics.js';
import { join } from 'node:path';
import { ApiServer, type ApiRoute, type LanListenerOptions } from './server.js';
import { sessionRoutes } from './sessionRoutes.js';
import { ROUTES } from './routeTable.js';
import type { LanAuth } from '../auth/lanAuth.js';
import type { UserAccounts } from '../store/ports.js';
import { apiRoutes } from './routes.js';
import { uiDepsOf, uiRoutes, type UiAgent } from './uiRoutes.js';
import { configRoutes, type ConfigRouteDeps } from './configRoutes.js';
import type { ManagedConfigDto } from './contract.js';

/** What the API needs of the agent (structural, so a shell or a test can supply it). */
export interface ApiAgent extends UiAgent {
  readonly managed: ConfigRouteDeps & { summary(): ManagedConfigDto | null };
  /** The store, with the accounts of the LAN screen. */
  readonly store: UiAgent['store'] & { readonly users: UserAccounts };
  /** Counters of each MLLP listener, as its thread last reported them (for /metrics). */
  intakeStats?(): IntakeStats[];
}

export interface AgentApiOptions {
  host: string;
  port: number;
  token: string;
  /** Folder of the built UI, served at `/`. */
  staticDir?: string;
  /** The agent's clock, for "retry now". */
  now: () => number;
  /** How often open status screens are refreshed over server-sent events (ms). */
  eventIntervalMs?: number;
  /** The screen on the hospital LAN (docs/service.md §5): TLS listener and the accounts behind it. */
  lan?: Omit<LanListenerOptions, 'auth'> & { auth: LanAuth };
}

/** Every endpoint of the route table, bound to this agent. */
export function agentRoutes(agent: ApiAgent, opts: Pick<AgentApiOptions, 'now' | 'eventIntervalMs' | 'lan'>): ApiRoute[] {
  const ui = uiDepsOf(agent, { managed: () => agent.managed.summary(), eventIntervalMs: opts.eventIntervalMs });
  const core = apiRoutes({
    store: agent.store,
    status: () => agent.status(),
    intake: () => agent.intakeStats?.() ?? [],
    logsDir: () => join(agent.config.dataDir, 'logs'),
    retryMessage: (id) => {
      const n = agent.store.retryNow(id, opts.now());
      ui.wakeDeliveries();
      return n;
    },
  });
  return [...core, ...configRoutes(agent.managed).map((r) => creditPerson(r, agent, opts.now)), ...uiRoutes(ui), ...sessionRoutes(opts.lan?.auth)];
}

/**
 * A ministry document imported from the LAN screen: the ministry's audit row says what was
 * applied or refused; this row says which person sent it (docs/service.md §5).
 */
function creditPerson(route: ApiRoute, agent: ApiAgent, now: () => number): ApiRoute {
  if (route.method !== ROUTES.importConfig.method || route.path !== ROUTES.importConfig.path) return route;
  return {
    ...route,
    handle: async (req) => {
      const reply = await route.handle(req);
      if (req.principal) {
        const r = reply.json as { applied?: boolean; version?: number | null; code?: string } | undefined;
        agent.store.users.recordPersonAction('config_imported', r?.version == null ? null : String(r.version), `${req.principal.user}@lan`, { applied: r?.applied === true, code: r?.code ?? null }, now());
      }
      return reply;
    },
  };
}

export function createAgentApi(agent: ApiAgent, opts: AgentApiOptions): ApiServer {
  return new ApiServer({ host: opts.host, port: opts.port, token: opts.token, staticDir: opts.staticDir, routes: agentRoutes(agent, opts), lan: opts.lan });
}

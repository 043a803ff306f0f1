// The status API of a running agent, wired in one place: the core endpoints, the managed
// configuration and the status UI's, on one loopback server (DESIGN §8, §9). The agent and
// the UI tests both start it through this function, so what the tests see is what runs.
import { join } from 'node:path';
import { ApiServer, type ApiRoute } from './server.js';
import { apiRoutes } from './routes.js';
import { uiDepsOf, uiRoutes, type UiAgent } from './uiRoutes.js';
import { configRoutes, type ConfigRouteDeps } from './configRoutes.js';
import type { ManagedConfigDto } from './contract.js';

/** What the API needs of the agent (structural, so a shell or a test can supply it). */
export interface ApiAgent extends UiAgent {
  readonly managed: ConfigRouteDeps & { summary(): ManagedConfigDto | null };
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
}

/** Every endpoint of the route table, bound to this agent. */
export function agentRoutes(agent: ApiAgent, opts: Pick<AgentApiOptions, 'now' | 'eventIntervalMs'>): ApiRoute[] {
  const ui = uiDepsOf(agent, { managed: () => agent.managed.summary(), eventIntervalMs: opts.eventIntervalMs });
  const core = apiRoutes({
    store: agent.store,
    status: () => agent.status(),
    logsDir: () => join(agent.config.dataDir, 'logs'),
    retryMessage: (id) => {
      const n = agent.store.retryNow(id, opts.now());
      ui.wakeDeliveries();
      return n;
    },
  });
  return [...core, ...configRoutes(agent.managed), ...uiRoutes(ui)];
}

export function createAgentApi(agent: ApiAgent, opts: AgentApiOptions): ApiServer {
  return new ApiServer({ host: opts.host, port: opts.port, token: opts.token, staticDir: opts.staticDir, routes: agentRoutes(agent, opts) });
}

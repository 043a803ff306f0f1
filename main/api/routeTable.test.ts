// The route table is the one place a path is written: each entry distinct and under /api/ (or /metrics),
// URLs built from it encode their parameters, and the agent's wiring serves every entry.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { API_PREFIX, pathTo, ROUTES } from './routeTable.js';
import { agentRoutes } from './agentApi.js';
import { Store } from '../store/store.js';
import type { AgentConfig } from '../config/schema.js';
import { tempDir } from '../../test/support/tempDir.js';

const entries = Object.values(ROUTES);

describe('route table', () => {
  it('has one entry per method and path, every path under the API prefix but /metrics', () => {
    const keys = entries.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of entries) expect(r.path.startsWith(API_PREFIX) || r.path === '/metrics').toBe(true);
    expect(entries.filter((r) => !r.path.startsWith(API_PREFIX)).map((r) => r.path)).toEqual(['/metrics']);
  });

  it('keeps the public contract of DESIGN §10', () => {
    expect([ROUTES.status.method, ROUTES.status.path, ROUTES.status.reply]).toEqual(['GET', '/api/status', 'json']);
    expect([ROUTES.metrics.method, ROUTES.metrics.path, ROUTES.metrics.reply]).toEqual(['GET', '/metrics', 'text']);
  });

  it('builds URLs with encoded parameters and leaves out empty query values', () => {
    expect(pathTo(ROUTES.testConnection, { params: { id: 'sở y tế/1' } })).toBe('/api/ui/destinations/s%E1%BB%9F%20y%20t%E1%BA%BF%2F1/test');
    expect(pathTo(ROUTES.retryMessage, { params: { id: 42 } })).toBe('/api/messages/42/retry');
    expect(pathTo(ROUTES.records, { query: { q: 'Nguyễn', state: '', destination: undefined, limit: 50 } })).toBe('/api/ui/records?q=Nguy%E1%BB%85n&limit=50');
    expect(pathTo(ROUTES.status)).toBe('/api/status');
  });

  it('refuses to build a URL with a parameter missing', () => {
    expect(() => pathTo(ROUTES.message, { params: {} as { id: number } })).toThrow(/parameter "id" is missing/);
  });
});

describe("the agent's wiring", () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let store: Store | undefined;
  afterEach(() => {
    store?.close();
    tmp?.cleanup();
  });

  it('binds every entry of the table exactly once, and nothing else', () => {
    tmp = tempDir('vhr-routes-');
    store = Store.open(join(tmp.path, 'vhr-agent.db'));
    const agent = {
      store,
      config: { destinations: [] } as unknown as AgentConfig,
      status: () => {
        throw new Error('not asked in this test');
      },
      deliveryWorkers: [],
      managed: {
        summary: () => null,
        view: () => {
          throw new Error('not asked in this test');
        },
        submit: async () => ({ applied: false as const, code: 'x', reason: 'x', version: null }),
        pollNow: async () => undefined,
      },
    };
    const bound = agentRoutes(agent, { now: () => 0 }).map((r) => `${r.method} ${r.path}`);
    expect(bound.slice().sort()).toEqual(entries.map((r) => `${r.method} ${r.path}`).sort());
  });
});

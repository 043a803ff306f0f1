// Ministry-managed configuration on the status API (docs/managed-config.md §8): what is in
// force and what was applied or refused, a file import (the UI's "import a config file" and
// `vhr-agent config import` while the agent runs), and "check now" against managed.url.
import { badRequest, handle, type ApiRoute } from './server.js';
import { ROUTES } from './routeTable.js';
import type { ManagedConfigResponse, ManagedImportResponse } from './contract.js';
import { ApplySource } from '../config/managed/state.js';

/** What the routes need of the managed-config service (structural, for tests and shells). */
export interface ConfigRouteDeps {
  view(): ManagedConfigResponse;
  submit(text: string, source: typeof ApplySource.import): Promise<ManagedImportResponse>;
  pollNow(): Promise<void>;
}

export function configRoutes(deps: ConfigRouteDeps): ApiRoute[] {
  return [
    handle(ROUTES.managedConfig, () => ({ json: deps.view() })),
    handle(ROUTES.importConfig, async ({ body }) => {
      if (typeof body !== 'object' || body === null) return badRequest('the body must be the signed config document (JSON)');
      // The signature covers the base64 payload string, which survives this round trip unchanged.
      const result = await deps.submit(JSON.stringify(body), ApplySource.import);
      return { status: result.applied ? 200 : 422, json: result };
    }),
    handle(ROUTES.pollConfig, async () => {
      await deps.pollNow();
      return { json: deps.view() };
    }),
  ];
}

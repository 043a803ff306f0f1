// Endpoints of the first-run setup server (`vhr-agent setup`), in the same typed route-table
// shape as the status API (main/api/routeTable.ts) but in a table of their own: they exist only
// while setup runs, on a server that has no agent behind it. Shared with the renderer: types only.
import type { ConnectionTestResponse } from '../api/contract.js';
import type { Route } from '../api/routeTable.js';

export type SetupAuthType = 'none' | 'bearer' | 'oauth2';

export interface SetupDestination {
  /** `province` or `ministry`. */
  id: string;
  name: string;
  baseUrl: string;
  auth: SetupAuthType;
  /** The bearer token or the OAuth2 client secret, as typed; written only to the secrets file. */
  secret?: string;
  tokenUrl?: string;
  clientId?: string;
}

export interface SetupDraft {
  facility: { code: string; name: string };
  dataDir: string;
  /** The HIS export folder. */
  folder: string;
  /** Optional HL7v2 MLLP listener port. */
  mllpPort?: number;
  destinations: SetupDestination[];
}

/** One verdict of a check, in plain words (Vietnamese first). */
export interface SetupCheck {
  ok: boolean;
  messageVi: string;
  message: string;
}

export interface SetupDefaults {
  configPath: string;
  /** A configuration is already there: saving replaces it (the page says so before). */
  exists: boolean;
  dataDir: string;
}

export interface SetupSaveResponse {
  ok: boolean;
  configPath: string;
  /** Every check that failed, by field: facility, folder, mllpPort, destinations[i]. */
  problems: { field: string; messageVi: string; message: string }[];
  /** How to start the agent on the written file. */
  runCommand?: string;
}

const route = <Req, Res>() => <M extends 'GET' | 'POST', P extends string>(method: M, path: P): Route<M, P, Req, Res, 'json'> => ({ method, path, reply: 'json' });

export const SETUP_ROUTES = {
  defaults: route<void, SetupDefaults>()('GET', '/api/setup/defaults'),
  checkFacility: route<SetupDraft['facility'], SetupCheck>()('POST', '/api/setup/check/facility'),
  checkFolder: route<{ path: string }, SetupCheck>()('POST', '/api/setup/check/folder'),
  checkPort: route<{ port: number }, SetupCheck>()('POST', '/api/setup/check/port'),
  testDestination: route<{ dataDir: string; destination: SetupDestination }, ConnectionTestResponse>()('POST', '/api/setup/test/destination'),
  save: route<SetupDraft, SetupSaveResponse>()('POST', '/api/setup/save'),
} as const;

// The desktop app as a viewer (docs/service.md): before starting an agent of its own it looks
// for one already running on the same configuration — the service — through that agent's
// api.json and a live status call with its token, and attaches to it. One configuration, one
// data folder, one agent. Plain Node (no Electron) so that it is tested against a real agent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo } from '../api/contract.js';
import { callAgent } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';
import { assessHealth, type HealthLevel } from '../api/health.js';
import { loadConfigFile } from '../config/load.js';

/** What the app found at start. */
export type AgentDiscovery =
  /** An agent of this data folder answers with the token of its api.json: show it, start nothing. */
  | { kind: 'running'; api: ApiInfo }
  /** No live agent (no api.json, or one left by an agent that stopped): the app starts its own core. */
  | { kind: 'none'; reason: string }
  /** api.json exists but this account may not read it: the service belongs to another account. */
  | { kind: 'forbidden'; path: string };

const API_FILE = 'api.json';

/** The running agent of this data folder, if one answers. */
export async function discoverAgent(dataDir: string, opts: { timeoutMs?: number } = {}): Promise<AgentDiscovery> {
  const path = join(dataDir, API_FILE);
  let info: Partial<ApiInfo>;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as Partial<ApiInfo>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'forbidden', path };
    if (code === 'ENOENT') return { kind: 'none', reason: `no ${path}: no agent has run on this data folder yet` };
    return { kind: 'none', reason: `${path} is not readable as JSON` };
  }
  if (typeof info.url !== 'string' || typeof info.token !== 'string') return { kind: 'none', reason: `${path} names no address and token` };
  const api: ApiInfo = { url: info.url, token: info.token, uiUrl: info.uiUrl ?? `${info.url}/#token=${info.token}` };
  try {
    const res = await callAgent(api, ROUTES.status, { timeoutMs: opts.timeoutMs ?? 5000 });
    // Another program on a reused port, or an agent of another data folder, does not know this token.
    if (!res.ok) return { kind: 'none', reason: `${api.url} answered ${res.status} to the token of ${path}` };
    return { kind: 'running', api };
  } catch (err) {
    return { kind: 'none', reason: `the agent of ${path} does not answer at ${api.url} (${(err as Error).message})` };
  }
}

/** How the app holds the agent: attached to a running one, or owning the core it started. */
export type AgentSession = { mode: 'viewer'; api: ApiInfo; dataDir: string } | { mode: 'owner'; api: ApiInfo; dataDir: string };

/** Refused to start a second agent, or could not reach the running one. */
export class AttachError extends Error {
  override name = 'AttachError';
}

/**
 * Attach to the agent of this configuration when it runs; otherwise start one with `startCore`
 * (the app's own utility process). The configuration file names the data folder.
 */
export async function attachOrStart(configPath: string, startCore: (configPath: string) => Promise<ApiInfo>, opts: { timeoutMs?: number } = {}): Promise<AgentSession> {
  const { dataDir } = loadConfigFile(configPath);
  const found = await discoverAgent(dataDir, opts);
  if (found.kind === 'running') return { mode: 'viewer', api: found.api, dataDir };
  if (found.kind === 'forbidden') {
    throw new AttachError(
      `Một dịch vụ VHR Agent đang dùng thư mục dữ liệu này nhưng tài khoản của bạn không được đọc ${found.path}. Mở màn hình từ xa (đăng nhập bằng tài khoản người dùng), hoặc nhờ CNTT.\n` +
        `A VHR Agent service uses this data folder but this account may not read ${found.path}. Open the screen over the network (sign in with a user account), or ask IT.`,
    );
  }
  return { mode: 'owner', api: await startCore(configPath), dataDir };
}

/**
 * The tray's health from the agent shown; when the agent does not answer (the service restarted
 * on another port, say) the data folder is looked at again once, and the session follows it.
 */
export async function trayHealth(session: AgentSession, opts: { timeoutMs?: number } = {}): Promise<{ level: HealthLevel; session: AgentSession }> {
  const ask = async (api: ApiInfo): Promise<HealthLevel | null> => {
    try {
      const res = await callAgent(api, ROUTES.overview, { timeoutMs: opts.timeoutMs ?? 5000 });
      if (!res.ok) return null;
      const o = res.body;
      return assessHealth(o.status, { pausedByOperator: o.pausedByOperator, openInvalid: o.openInvalid }).level;
    } catch {
      return null;
    }
  };
  const level = await ask(session.api);
  if (level) return { level, session };
  if (session.mode === 'viewer') {
    const again = await discoverAgent(session.dataDir, opts);
    if (again.kind === 'running') {
      const moved: AgentSession = { ...session, api: again.api };
      return { level: (await ask(again.api)) ?? 'error', session: moved };
    }
  }
  return { level: 'error', session };
}

// The desktop app's attach logic against a real agent: the built CLI (`vhr-agent run`) in its
// own process, as the service runs it, on a temp configuration.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo } from '../api/contract.js';
import { attachOrStart, discoverAgent, trayHealth } from './attach.js';
import { CLI, exited } from '../../test/support/agentProcess.js';
import { tempDir } from '../../test/support/tempDir.js';
import { waitFor } from '../../test/support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
const agents: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

afterEach(async () => {
  for (const a of agents.splice(0)) {
    a.kill('SIGTERM');
    await exited(a);
  }
  tmp?.cleanup();
});

function writeConfig(): { configPath: string; dataDir: string } {
  tmp = tempDir('vhr-attach-');
  const dataDir = join(tmp.path, 'data');
  const configPath = join(tmp.path, 'config.yaml');
  writeFileSync(configPath, `facility: { code: "94170" }\ndataDir: ${JSON.stringify(dataDir)}\n`);
  return { configPath, dataDir };
}

/** `vhr-agent run --config FILE` as a separate process; resolves with its api.json once it answers. */
async function startAgent(configPath: string, dataDir: string): Promise<ApiInfo> {
  const before = existsSync(join(dataDir, 'api.json')) ? readFileSync(join(dataDir, 'api.json'), 'utf8') : '';
  const child = spawn(process.execPath, [CLI, 'run', '--config', configPath, '--quiet'], { stdio: 'ignore' });
  agents.push(child);
  return waitFor(
    async () => {
      const text = existsSync(join(dataDir, 'api.json')) ? readFileSync(join(dataDir, 'api.json'), 'utf8') : '';
      if (!text || text === before) return null;
      const found = await discoverAgent(dataDir, { timeoutMs: 2000 });
      return found.kind === 'running' ? found.api : null;
    },
    { timeoutMs: 30_000, what: 'the agent to write api.json and answer' },
  );
}

async function stopAgents(): Promise<void> {
  for (const a of agents.splice(0)) {
    a.kill('SIGTERM');
    await exited(a);
  }
}

describe('desktop app attach', () => {
  it('attaches to the running agent of the same configuration and starts no second one', async () => {
    const { configPath, dataDir } = writeConfig();
    const running = await startAgent(configPath, dataDir);
    let started = 0;
    const session = await attachOrStart(configPath, async () => {
      started++;
      throw new Error('must not start a second agent');
    });
    expect(session).toEqual({ mode: 'viewer', api: running, dataDir });
    expect(started).toBe(0);
    // An agent with no sources and no destinations has nothing wrong to show.
    const health = await trayHealth(session);
    expect(health).toEqual({ level: 'ok', session });
  });

  it('starts its own core when no agent ran, or when api.json was left by one that stopped', async () => {
    const { configPath, dataDir } = writeConfig();
    expect((await discoverAgent(dataDir)).kind).toBe('none');
    const first = await attachOrStart(configPath, (c) => startAgent(c, dataDir));
    expect(first.mode).toBe('owner');
    await stopAgents();
    const stale = await discoverAgent(dataDir, { timeoutMs: 2000 });
    expect(stale.kind).toBe('none');
    expect(stale.kind === 'none' && stale.reason).toMatch(/does not answer/);
    const second = await attachOrStart(configPath, (c) => startAgent(c, dataDir));
    expect(second.mode).toBe('owner');
    expect(second.api.token).toBe(first.api.token); // the same agent identity, one data folder
  });

  it('does not attach to a program that does not know the token (an agent of another data folder on that port)', async () => {
    const { configPath, dataDir } = writeConfig();
    const running = await startAgent(configPath, dataDir);
    writeFileSync(join(dataDir, 'api.json'), JSON.stringify({ ...running, token: 'x'.repeat(43) }));
    const found = await discoverAgent(dataDir);
    expect(found).toEqual({ kind: 'none', reason: `${running.url} answered 401 to the token of ${join(dataDir, 'api.json')}` });
  });

  it('follows the service when it restarts on another address; says error while none answers', async () => {
    const { configPath, dataDir } = writeConfig();
    await startAgent(configPath, dataDir);
    const session = await attachOrStart(configPath, () => Promise.reject(new Error('unexpected start')));
    await stopAgents();
    expect((await trayHealth(session, { timeoutMs: 2000 })).level).toBe('error');
    const restarted = await startAgent(configPath, dataDir);
    const health = await trayHealth(session, { timeoutMs: 2000 });
    expect(health.level).toBe('ok');
    expect(health.session).toEqual({ mode: 'viewer', api: restarted, dataDir });
  });

  it('a missing data folder is simply "no agent yet"', async () => {
    const { dataDir } = writeConfig();
    rmSync(dataDir, { recursive: true, force: true });
    expect(await discoverAgent(dataDir)).toEqual({ kind: 'none', reason: `no ${join(dataDir, 'api.json')}: no agent has run on this data folder yet` });
  });
});

// One data folder, one agent (DESIGN §2): a second `vhr-agent run` on a folder a live agent
// holds exits non-zero saying who holds it, and leaves the first agent and its api.json
// alone; after the first is killed with SIGKILL, the next start takes the folder over.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Agent } from '../../main/agent/agent.js';
import { readDataDirLock, DataDirLockedError } from '../../main/agent/dataDirLock.js';
import { parseConfigText } from '../../main/config/load.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { CLI, exited } from '../support/agentProcess.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = tempDir('vhr-lock-e2e-');
  fhir = await startLocalFhirStore({ bases: ['province'] });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await fhir.close();
  tmp.cleanup();
});

function run(configPath: string): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configPath, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

/** The agent of this pid holds the folder and its status API answers with the token of api.json. */
async function serving(dataDir: string, pid: number): Promise<boolean> {
  if (readDataDirLock(dataDir)?.pid !== pid || !existsSync(join(dataDir, 'api.json'))) return false;
  const info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as { url: string; token: string };
  const res = await fetch(`${info.url}/api/status`, { headers: { Authorization: `Bearer ${info.token}` } });
  return res.ok;
}

describe('one data folder, one agent', () => {
  it('refuses a second agent on a live agent’s folder, and takes over the lock of a killed one', { timeout: 120_000 }, async () => {
    expect(existsSync(CLI)).toBe(true); // built by `npm test` (tsc) before the tests run
    const dataDir = join(tmp.path, 'data');
    const configPath = join(tmp.path, 'agent.yaml');
    writeFileSync(
      configPath,
      `facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
destinations: [{ id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}" }]
statusApi: { host: 127.0.0.1, port: 0 }
`,
    );

    const first = run(configPath);
    await waitFor(() => serving(dataDir, first.child.pid!), { what: 'the first agent to serve', timeoutMs: 30_000, intervalMs: 50 });
    const apiJson = readFileSync(join(dataDir, 'api.json'), 'utf8');
    const holder = readDataDirLock(dataDir)!;

    const second = run(configPath);
    await exited(second.child);
    expect(second.child.exitCode).toBe(1);
    const said = second.stderr();
    expect(said).toContain(`Thư mục dữ liệu ${dataDir} đang được một tác tử khác sử dụng (tiến trình ${first.child.pid}, khởi động lúc ${holder.startedAt})`);
    expect(said).toContain(`The data folder ${dataDir} is in use by another agent (process ${first.child.pid}, started ${holder.startedAt})`);
    expect(said).toContain(join(dataDir, 'agent.lock'));
    expect(said).not.toMatch(/EADDRINUSE|\n\s+at /);
    // The first agent runs on, untouched.
    expect(first.child.exitCode).toBeNull();
    expect(readFileSync(join(dataDir, 'api.json'), 'utf8')).toBe(apiJson);
    expect(await serving(dataDir, first.child.pid!)).toBe(true);

    // A crash leaves the lock behind, naming a process that is gone: the next start takes over.
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(readDataDirLock(dataDir)?.pid).toBe(first.child.pid);
    const third = run(configPath);
    await waitFor(() => serving(dataDir, third.child.pid!), { what: 'the restarted agent to serve', timeoutMs: 30_000, intervalMs: 50 });
    expect(readDataDirLock(dataDir)).toMatchObject({ pid: third.child.pid, host: hostname() });

    third.child.kill('SIGTERM');
    await exited(third.child);
    expect(third.child.exitCode).toBe(0);
    expect(existsSync(join(dataDir, 'agent.lock'))).toBe(false);
  });
});

describe('one data folder, one agent, in one process', () => {
  const yaml = (dataDir: string, port: number) => `
facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
destinations: [{ id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}" }]
statusApi: { host: 127.0.0.1, port: ${port} }
`;

  it('refuses a second Agent on the folder, and gives the folder back when the first could not start', { timeout: 60_000 }, async () => {
    const dataDir = join(tmp.path, 'in-process');
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    // Each Agent its own logger, left open: every Agent reads the store's /metadata from its
    // constructor and logs the outcome whenever it arrives, started or not.
    try {
      // The status API's port is taken: start fails, and leaves no lock behind.
      const blocked = new Agent(parseConfigText(yaml(dataDir, (busy.address() as AddressInfo).port), tmp.path));
      await expect(blocked.start()).rejects.toThrow(/EADDRINUSE/);
      expect(existsSync(join(dataDir, 'agent.lock'))).toBe(false);

      const first = new Agent(parseConfigText(yaml(dataDir, 0), tmp.path));
      await first.start();
      const second = new Agent(parseConfigText(yaml(dataDir, 0), tmp.path));
      await expect(second.start()).rejects.toThrow(DataDirLockedError);
      expect(readDataDirLock(dataDir)?.pid).toBe(process.pid);
      await first.stop();
      expect(existsSync(join(dataDir, 'agent.lock'))).toBe(false);
    } finally {
      busy.close();
    }
  });
});

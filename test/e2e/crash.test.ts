// Crash safety (DESIGN §4.1, §4.2): the agent process is killed with SIGKILL while it is in
// the middle of a file, then restarted; at the end each store holds every record exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { CLI, dbCounts as counts, exited } from '../support/agentProcess.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const RECORDS = 400;

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;

beforeAll(async () => {
  tmp = tempDir('vhr-crash-');
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'], validate: false });
});
afterAll(async () => {
  await fhir.close();
  tmp.cleanup();
});

function startAgent(configPath: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'run', '--config', configPath, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('crash mid-file', () => {
  it('kill -9 between commits, restart: every record once at each store', { timeout: 120_000 }, async () => {
    expect(existsSync(CLI)).toBe(true); // built by `npm test` (tsc) before the tests run
    const dataDir = join(tmp.path, 'data');
    const inbox = join(tmp.path, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const configPath = join(tmp.path, 'agent.yaml');
    writeFileSync(
      configPath,
      `facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
sources:
  - { id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: 50, commitEvery: 10 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}" }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}" }
retry: { baseDelayMs: 20, maxDelayMs: 200 }
`,
    );
    const dbPath = join(dataDir, 'vhr-agent.db');
    writeFileSync(join(inbox, 'big.xml.tmp'), envelopeOf(manyClaims(RECORDS, 'CR')));
    renameSync(join(inbox, 'big.xml.tmp'), join(inbox, 'big.xml'));

    // Kill while intake is part-way through the file (some records committed, not all).
    const kills: number[] = [];
    let agent = startAgent(configPath);
    const seen = await waitFor(() => {
      const c = counts(dbPath);
      return c.messages > 0 ? c : null;
    }, { what: 'first commits', timeoutMs: 30_000, intervalMs: 2 });
    agent.kill('SIGKILL');
    await exited(agent);
    kills.push(seen.messages);
    expect(counts(dbPath).messages).toBeLessThan(RECORDS);

    // Kill again while deliveries are in flight.
    agent = startAgent(configPath);
    await waitFor(() => counts(dbPath).delivered > 0, { what: 'first deliveries', timeoutMs: 30_000, intervalMs: 2 });
    agent.kill('SIGKILL');
    await exited(agent);

    agent = startAgent(configPath);
    try {
      await waitFor(() => counts(dbPath).delivered === RECORDS * 2, { what: 'all delivered', timeoutMs: 60_000, intervalMs: 50 });
    } finally {
      agent.kill('SIGTERM');
      await exited(agent);
      expect(agent.exitCode).toBe(0);
    }
    expect(counts(dbPath).messages).toBe(RECORDS);
    expect(readdirSync(join(inbox, 'processed'))).toEqual(['big.xml']);
    for (const base of ['province', 'ministry']) {
      expect(await fhir.countResources(base, 'Encounter')).toBe(RECORDS);
      expect(await fhir.countResources(base, 'Patient')).toBe(RECORDS);
    }
    expect(kills[0]).toBeGreaterThan(0);
  });
});

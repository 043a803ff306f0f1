// Crash safety (DESIGN §4.1, §4.2): the agent process is killed with SIGKILL while it is in
// the middle of a file, then restarted; at the end each store holds every record exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { CLI, dbCounts as counts, exited, prepareAgentRun, startAgentProcess } from '../support/agentProcess.js';
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

describe('crash mid-file', () => {
  it('kill -9 between commits, restart: every record once at each store', { timeout: 120_000 }, async () => {
    expect(existsSync(CLI)).toBe(true); // built by `npm test` (tsc) before the tests run
    const { configPath, dbPath } = prepareAgentRun(tmp.path, fhir, { records: RECORDS, prefix: 'CR', quietMs: 50, commitEvery: 10 });

    // Kill while intake is part-way through the file (some records committed, not all).
    const kills: number[] = [];
    let agent = startAgentProcess(configPath);
    const seen = await waitFor(() => {
      const c = counts(dbPath);
      return c.messages > 0 ? c : null;
    }, { what: 'first commits', timeoutMs: 30_000, intervalMs: 2 });
    agent.kill('SIGKILL');
    await exited(agent);
    kills.push(seen.messages);
    expect(counts(dbPath).messages).toBeLessThan(RECORDS);

    // Kill again while deliveries are in flight.
    agent = startAgentProcess(configPath);
    await waitFor(() => counts(dbPath).delivered > 0, { what: 'first deliveries', timeoutMs: 30_000, intervalMs: 2 });
    agent.kill('SIGKILL');
    await exited(agent);

    agent = startAgentProcess(configPath);
    try {
      await waitFor(() => counts(dbPath).delivered === RECORDS * 2, { what: 'all delivered', timeoutMs: 60_000, intervalMs: 50 });
    } finally {
      agent.kill('SIGTERM');
      await exited(agent);
      expect(agent.exitCode).toBe(0);
    }
    expect(counts(dbPath).messages).toBe(RECORDS);
    expect(readdirSync(join(tmp.path, 'inbox', 'processed'))).toEqual(['big.xml']);
    for (const base of ['province', 'ministry']) {
      expect(await fhir.countResources(base, 'Encounter')).toBe(RECORDS);
      expect(await fhir.countResources(base, 'Patient')).toBe(RECORDS);
    }
    expect(kills[0]).toBeGreaterThan(0);
  });
});

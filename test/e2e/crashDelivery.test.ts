// Twenty SIGKILLs at random moments while 2,000 records are delivered, a restart after each:
// at the end each store holds every record exactly once (DESIGN §4.1, §4.6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { dbCounts, exited, prepareAgentRun, startAgentProcess } from '../support/agentProcess.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { seededRandom } from '../../main/util/seededRandom.js';

const RECORDS = 2000;
const KILLS = 20;

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
beforeAll(async () => {
  tmp = tempDir('vhr-crash20-');
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'], validate: false });
});
afterAll(async () => {
  await fhir.close();
  tmp.cleanup();
});

const delivered = (dbPath: string) => dbCounts(dbPath).delivered;

describe('crash during delivery', () => {
  it(`${KILLS} SIGKILLs during a ${RECORDS}-record delivery: every record exactly once at each store`, { timeout: 240_000 }, async () => {
    const { configPath, dbPath } = prepareAgentRun(tmp.path, fhir, { records: RECORDS, prefix: 'K', quietMs: 20, commitEvery: 100 });

    const random = seededRandom(20261125); // random kill moments, the same on every run
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const before = delivered(dbPath);
      if (before === RECORDS * 2) break;
      const agent = startAgentProcess(configPath);
      // Let it make some progress, then kill it at a random moment within the next 150 ms.
      await waitFor(() => delivered(dbPath) > before || agent.exitCode !== null, { timeoutMs: 30_000, intervalMs: 5, what: `progress before kill ${k + 1}` });
      await new Promise((r) => setTimeout(r, Math.floor(random() * 150)));
      agent.kill('SIGKILL');
      await exited(agent);
      killedAt.push(delivered(dbPath));
    }
    expect(killedAt.length).toBeGreaterThanOrEqual(10);
    expect(killedAt.some((n) => n > 0 && n < RECORDS * 2)).toBe(true);

    const agent = startAgentProcess(configPath);
    try {
      await waitFor(() => delivered(dbPath) === RECORDS * 2, { timeoutMs: 120_000, intervalMs: 50, what: 'everything delivered' });
    } finally {
      agent.kill('SIGTERM');
      await exited(agent);
    }
    const db = new Database(dbPath, { readonly: true });
    const messages = (db.prepare('SELECT count(*) AS n, count(DISTINCT natural_key) AS k FROM messages').get() as { n: number; k: number });
    db.close();
    expect(messages).toEqual({ n: RECORDS, k: RECORDS });
    for (const base of ['province', 'ministry']) {
      expect(await fhir.countResources(base, 'Encounter')).toBe(RECORDS);
      expect(await fhir.countResources(base, 'Patient')).toBe(RECORDS);
    }
  });
});

// Twenty SIGKILLs at random moments while 2,000 records are delivered, a restart after each:
// at the end each store holds every record exactly once (DESIGN §4.1, §4.6).
// Oracles are outside the agent: every one of the kills must land while deliveries remain
// (kill k waits for a delivery count drawn in the k-th slice of the run); the stores' own
// histories say how often each resource was written, and their request logs how many
// transactions they accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Encounter } from '@medplum/fhirtypes';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { dbCounts, exited, prepareAgentRun, startAgentProcess } from '../support/agentProcess.js';
import { acceptedTransactions, writesPerResource } from '../support/storeWrites.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { seededRandom } from '../../main/util/seededRandom.js';

const RECORDS = 2000;
const KILLS = 20;
/** Deliveries in flight at once per destination (the destination's default concurrency). */
const IN_FLIGHT = 4;

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
  it(`${KILLS} SIGKILLs during a ${RECORDS}-record delivery: every record exactly once at each store`, { timeout: 600_000 }, async () => {
    // One record per transaction, so that the store's count of accepted transactions is its
    // count of record writes.
    const { configPath, dbPath } = prepareAgentRun(tmp.path, fhir, { records: RECORDS, prefix: 'K', quietMs: 20, commitEvery: 100, maxBatch: 1 });
    const total = RECORDS * 2;

    const random = seededRandom(20261125); // kill moments, the same on every run
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      // A delivery count somewhere in the k-th of KILLS + 1 equal slices: every kill falls
      // before the end, whatever the speed of the machine.
      const target = Math.floor(((k + 0.2 + 0.6 * random()) * total) / (KILLS + 1));
      const agent = startAgentProcess(configPath);
      await waitFor(() => delivered(dbPath) >= target || agent.exitCode !== null, { timeoutMs: 60_000, intervalMs: 2, what: `${target} deliveries before kill ${k + 1}` });
      expect(agent.exitCode, `agent ended by itself before kill ${k + 1}`).toBeNull();
      agent.kill('SIGKILL');
      await exited(agent);
      killedAt.push(delivered(dbPath));
    }
    expect(killedAt).toHaveLength(KILLS);
    expect(killedAt.every((n) => n < total), `deliveries at each kill: ${killedAt.join(', ')}`).toBe(true);

    const agent = startAgentProcess(configPath);
    try {
      await waitFor(() => delivered(dbPath) === total, { timeoutMs: 240_000, intervalMs: 50, what: 'everything delivered' });
    } finally {
      agent.kill('SIGTERM');
      await exited(agent);
    }
    const db = new Database(dbPath, { readonly: true });
    const messages = db.prepare('SELECT count(*) AS n, count(DISTINCT natural_key) AS k FROM messages').get() as { n: number; k: number };
    db.close();
    expect(messages).toEqual({ n: RECORDS, k: RECORDS });

    for (const base of ['province', 'ministry']) {
      await fhir.settled();
      const encounters = await writesPerResource(fhir, base, 'Encounter');
      const patients = new Map((await writesPerResource(fhir, base, 'Patient')).map((p) => [p.id, p]));
      // No duplicates: one Encounter and one Patient per record, each record's MA_LK once.
      expect(encounters).toHaveLength(RECORDS);
      expect(patients.size).toBe(RECORDS);
      expect(new Set(encounters.map((e) => (e.resource as Encounter).identifier?.[0]?.value)).size).toBe(RECORDS);
      // Each record written as a unit: its Patient as often as its Encounter, at least once.
      const unequal = encounters.filter((e) => patients.get((e.resource as Encounter).subject?.reference?.split('/')[1] ?? '')?.writes !== e.writes);
      expect(unequal.map((e) => e.id)).toEqual([]);
      expect(Math.min(...encounters.map((e) => e.writes))).toBeGreaterThanOrEqual(1);
      // Every write the store accepted is one of these, and a write is repeated only for a
      // delivery in flight when the agent was killed: at most IN_FLIGHT per kill.
      const writes = encounters.reduce((n, e) => n + e.writes, 0);
      expect(writes).toBe(acceptedTransactions(fhir, base));
      const rewritten = writes - RECORDS;
      console.log(`${base}: ${RECORDS} records, ${writes} writes (${rewritten} repeated after a kill; kills at ${killedAt.join(', ')})`);
      expect(rewritten).toBeLessThanOrEqual(KILLS * IN_FLIGHT);
    }
  });
});

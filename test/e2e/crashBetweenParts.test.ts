// A crash between the parts of a large record (DESIGN §4.1, §4.6, §10): the agent is killed
// (SIGKILL) once some parts of a 1,000+-entry record are in a store that takes at most 50
// updates per transaction; after a restart the record completes, resuming at the first part
// not confirmed. The store's own write histories are the oracle: every resource stored, none
// more than twice, and only one part's worth (the one in flight at the kill) written twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { CLI, exited, startAgentProcess } from '../support/agentProcess.js';
import { writesPerResource } from '../support/storeWrites.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
beforeAll(async () => {
  tmp = tempDir('vhr-crashparts-');
  fhir = await startLocalFhirStore({ bases: ['province'], profile: 'strict' });
});
afterAll(async () => {
  await fhir.close();
  tmp.cleanup();
});

interface Progress {
  state: string;
  partsDone: number;
  partsTotal: number | null;
  partsLimit: number | null;
}

function progress(dbPath: string): Progress | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return db.prepare("SELECT state, parts_done AS partsDone, parts_total AS partsTotal, parts_limit AS partsLimit FROM deliveries WHERE destination_id = 'province'").get() as Progress | undefined;
  } catch {
    return undefined; // not created or not migrated yet
  } finally {
    db?.close();
  }
}

describe('crash between the parts of a large record', () => {
  it('SIGKILL after some parts, then a restart: the record completes, each resource written once more at most', { timeout: 300_000 }, async () => {
    const dataDir = join(tmp.path, 'data');
    const inbox = join(tmp.path, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const configPath = join(tmp.path, 'agent.yaml');
    writeFileSync(
      configPath,
      `facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
sources: [{ id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: 20 }]
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", maxEntriesPerRequest: 40 }
retry: { baseDelayMs: 20, maxDelayMs: 200 }
`,
    );
    const gen = spawnSync(process.execPath, [CLI, 'generate', '--records', '1', '--lines', '500', '--seed', '12', '--out', tmp.path], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const file = readdirSync(tmp.path).find((f) => f.endsWith('.xml'))!;
    copyFileSync(join(tmp.path, file), join(inbox, 'large.xml.tmp'));
    copyFileSync(join(inbox, 'large.xml.tmp'), join(inbox, 'large.xml'));
    const dbPath = join(dataDir, 'vhr-agent.db');

    // Every part waits a little at the store, so the kill falls between parts, not after the last.
    fhir.faults('province').push({ delayMs: 150, method: 'POST', times: 1_000 });
    const first = startAgentProcess(configPath);
    await waitFor(() => (progress(dbPath)?.partsDone ?? 0) >= 3 || first.exitCode !== null, { timeoutMs: 120_000, intervalMs: 5, what: 'three parts confirmed' });
    expect(first.exitCode).toBeNull();
    first.kill('SIGKILL');
    await exited(first);
    const atKill = progress(dbPath)!;
    expect(atKill.state).not.toBe('delivered');
    expect(atKill.partsDone).toBeGreaterThanOrEqual(3);
    expect(atKill.partsTotal).toBeGreaterThan(atKill.partsDone);
    expect(atKill.partsLimit).toBe(40);
    fhir.faults('province').clear();

    const second = startAgentProcess(configPath);
    try {
      await waitFor(() => progress(dbPath)?.state === 'delivered', { timeoutMs: 180_000, intervalMs: 50, what: 'the record delivered after the restart' });
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }

    await fhir.settled();
    const writes = [
      ...(await writesPerResource(fhir, 'province', 'MedicationRequest')),
      ...(await writesPerResource(fhir, 'province', 'Observation')),
      ...(await writesPerResource(fhir, 'province', 'Encounter')),
      ...(await writesPerResource(fhir, 'province', 'Patient')),
    ];
    expect(writes.length).toBeGreaterThan(200);
    expect(writes.filter((w) => w.writes > 2).map((w) => w.id)).toEqual([]);
    // Only the part in flight at the kill may have been written again: at most one part's entries.
    expect(writes.filter((w) => w.writes === 2).length).toBeLessThanOrEqual(40);
    // The store refused nothing: every part was within its 50 updates and its references resolved.
    expect(fhir.requestLog('province').filter((e) => e.method === 'POST' && e.status >= 400 && !e.fault)).toEqual([]);
  });
});

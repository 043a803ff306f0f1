// Draining a backlog: 100,000 converted records queued for one destination, the store
// running in its own process so that the CPU measured here is the agent's alone.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Store } from '../main/store/store.js';
import { Agent } from '../main/agent/agent.js';
import { parseConfigText } from '../main/config/load.js';
import { createLogger } from '../main/log.js';
import { PACKAGE_ROOT } from '../main/paths.js';
import { hosoToXml } from '../connectors/formats/xml130/envelope/envelope.js';
import { convertClaimRecord } from '../connectors/formats/xml130/convert.js';
import { defaultProfilePack } from '../connectors/profile-pack/index.js';
import { xml1Of } from '../test/support/claimXml.js';
import { tempDir } from '../test/support/tempDir.js';
import { readDb } from '../test/support/dbOracle.js';
import { cpuMs, printFigures, seconds } from './support.js';

export async function startStoreProcess(): Promise<{ url: string; stop: () => void }> {
  const entry = join(PACKAGE_ROOT, 'dist', 'main', 'localstore', 'fhirStore.js');
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=8192', '--input-type=module', '-e', `const { startLocalFhirStore } = await import(${JSON.stringify(entry)}); const s = await startLocalFhirStore({ bases: ['province'], validate: false }); console.log(s.url);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { url: line.trim(), stop: () => child.kill('SIGTERM') };
}

/** Queues `count` converted records directly in the store (intake and conversion are measured elsewhere). */
function fillBacklog(dbPath: string, count: number): void {
  const store = Store.open(dbPath);
  const ctx = { facilityCode: '94170', now: new Date(), profilePack: defaultProfilePack() };
  const CHUNK = 1000;
  for (let start = 0; start < count; start += CHUNK) {
    store.transaction(() => {
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const maLk = `BL${String(i).padStart(7, '0')}`;
        const stored = hosoToXml({ files: [{ loaiHoso: 'XML1', noiDungFile: Buffer.from(xml1Of({ maLk })).toString('base64') }] }, { maCskcb: '94170' });
        const outcome = convertClaimRecord(stored, ctx);
        if (!outcome.ok) throw new Error(outcome.message);
        const { id } = store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(stored), naturalKey: outcome.naturalKey }, Date.now());
        const patient = outcome.bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;
        store.markConverted(id, JSON.stringify(outcome.bundle), '{}', outcome.bundle.entry!.length, ['province'], Date.now(), patient);
      }
    });
  }
  store.close();
}

export async function run(records = Number(process.env.VHR_BENCH_BACKLOG ?? 100_000)): Promise<void> {
  const tmp = tempDir('vhr-bench-backlog-');
  const fhir = await startStoreProcess();
  try {
    const fillStart = process.hrtime.bigint();
    fillBacklog(join(tmp.path, 'vhr-agent.db'), records);
    const fillSecs = seconds(fillStart);
    const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
destinations: [{ id: province, type: fhir, baseUrl: "${fhir.url}/province/fhir", concurrency: 4 }]
`;
    const agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger() });
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await agent.start();
    let requests = 0;
    for (;;) {
      const d = agent.status().destinations[0]!;
      if (d.delivered === records) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = seconds(start);
    const agentCpu = cpuMs(cpu);
    requests = readDb(agent.store.path, (db) => (db.prepare('SELECT count(DISTINCT started_at) AS n FROM delivery_attempts').get() as { n: number }).n);
    await agent.stop();
    printFigures(`backlog drain: ${records.toLocaleString('en-US')} queued records → 1 loopback store (separate process, no validation)`, [
      { name: 'drain rate', value: records / secs, unit: 'records/s', note: `${secs.toFixed(1)} s` },
      { name: 'agent CPU per record', value: agentCpu / records, unit: 'ms' },
      { name: 'records per request (adaptive batching)', value: records / Math.max(1, requests), unit: 'records' },
      { name: 'backlog fill (convert + queue, not part of the drain)', value: records / fillSecs, unit: 'records/s' },
    ]);
  } finally {
    fhir.stop();
    tmp.cleanup();
  }
}

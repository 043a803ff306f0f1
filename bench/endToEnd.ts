// End to end: one claim file with many records dropped in the watched folder, until every
// record is delivered to both loopback FHIR stores (province and ministry).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../main/agent/agent.js';
import { parseConfigText } from '../main/config/load.js';
import { createLogger } from '../main/log.js';
import { startLocalFhirStore } from '../main/localstore/fhirStore.js';
import { envelopeOf, manyClaims } from '../test/support/claimXml.js';
import { tempDir } from '../test/support/tempDir.js';
import { cpuMs, printFigures, seconds } from './support.js';

export async function run(records = 2000): Promise<void> {
  const tmp = tempDir('vhr-bench-e2e-');
  // The default store profile (like Medplum: at most 50 updates per transaction): merged
  // transactions stay within it once the agent has learned the limit from the first refusal.
  const fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources: [{ id: his, type: folder, path: ${JSON.stringify(join(tmp.path, 'inbox'))}, quietMs: 20 }]
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", concurrency: 4 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", concurrency: 4 }
`;
  const agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger() });
  await agent.start();
  const xml = envelopeOf(manyClaims(records, 'BE'));
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  writeFileSync(join(tmp.path, 'inbox', 'bench.tmp'), xml);
  renameSync(join(tmp.path, 'inbox', 'bench.tmp'), join(tmp.path, 'inbox', 'bench.xml'));
  let ingestedAt = 0;
  let convertedAt = 0;
  for (;;) {
    const s = agent.status();
    if (!ingestedAt && s.counts.received === records) ingestedAt = seconds(start);
    if (!convertedAt && s.counts.converted === records) convertedAt = seconds(start);
    if (s.destinations.every((d) => d.delivered === records)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const total = seconds(start);
  const cpuTotal = cpuMs(cpu);
  await agent.stop();
  await fhir.close();
  tmp.cleanup();
  printFigures(`end to end: folder → SQLite → FHIR → 2 loopback stores (${records} records, one file)`, [
    { name: 'ingested (committed) rate', value: records / ingestedAt, unit: 'records/s' },
    { name: 'converted + validated rate', value: records / convertedAt, unit: 'records/s' },
    { name: 'delivered to both stores', value: records / total, unit: 'records/s', note: `${total.toFixed(1)} s in all` },
    { name: 'CPU per record (agent + in-process stores)', value: cpuTotal / records, unit: 'ms' },
  ]);
}

// Large records delivered whole vs in parts (DESIGN §10 maxEntriesPerRequest): the generator's
// largest claims (1,000+ entries each) dropped once, delivered by the same agent in the same run
// to two endpoints of the same loopback store that takes any size and checks references on
// write: `whole` gets each record as one transaction, `parts` as transactions of at most 50
// entries in dependency order, each part confirmed (and written down) before the next.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent } from '../main/agent/agent.js';
import { parseConfigText } from '../main/config/load.js';
import { createLogger } from '../main/log.js';
import { startLocalFhirStore } from '../main/localstore/fhirStore.js';
import { CLI } from '../test/support/agentProcess.js';
import { tempDir } from '../test/support/tempDir.js';
import { printFigures, seconds } from './support.js';

const PART_LIMIT = 50;

export async function run(records = 4): Promise<void> {
  const tmp = tempDir('vhr-bench-large-');
  const inbox = join(tmp.path, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const gen = spawnSync(process.execPath, [CLI, 'generate', '--records', String(records), '--lines', '500', '--seed', '7', '--out', join(tmp.path, 'gen')], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`vhr-agent generate failed (run \`npm run build\` first): ${gen.stderr}`);
  const fhir = await startLocalFhirStore({ bases: ['whole', 'parts'], profile: 'hapi', validate: false });
  const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources: [{ id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: 20 }]
destinations:
  - { id: whole, type: fhir, baseUrl: "${fhir.baseUrl('whole')}", maxBatch: 1, timeoutMs: 120000 }
  - { id: parts, type: fhir, baseUrl: "${fhir.baseUrl('parts')}", maxBatch: 1, timeoutMs: 120000, maxEntriesPerRequest: ${PART_LIMIT} }
`;
  const agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger() });
  await agent.start();
  // The generator writes one file per record.
  const files = readdirSync(join(tmp.path, 'gen'));
  const start = process.hrtime.bigint();
  for (const file of files) {
    copyFileSync(join(tmp.path, 'gen', file), join(inbox, `${file}.tmp`));
    renameSync(join(inbox, `${file}.tmp`), join(inbox, file));
  }
  const doneAt: Record<string, number> = {};
  while (Object.keys(doneAt).length < 2) {
    for (const d of agent.status().destinations) if (doneAt[d.id] === undefined && d.delivered === records) doneAt[d.id] = seconds(start);
    await new Promise((r) => setTimeout(r, 20));
  }
  await agent.stop();
  const db = new Database(join(tmp.path, 'vhr-agent.db'), { readonly: true });
  const { entries } = db.prepare('SELECT sum(resource_count) AS entries FROM messages').get() as { entries: number };
  // Conversion of records this size takes longer than sending them, so the run's end says little
  // about delivery: the time from a record's conversion to its delivery does.
  const latency = db
    .prepare('SELECT destination_id AS id, avg(delivered_at - m.converted_at) AS ms FROM deliveries JOIN messages m ON m.id = message_id GROUP BY destination_id')
    .all() as { id: string; ms: number }[];
  db.close();
  const requests = (base: string) => fhir.requestLog(base).filter((e) => e.method === 'POST' && e.status === 200).length;
  const reqWhole = requests('whole');
  const reqParts = requests('parts');
  await fhir.close();
  tmp.cleanup();
  const after = Object.fromEntries(latency.map((r) => [r.id, r.ms]));
  printFigures(`large records: whole vs in parts of ${PART_LIMIT} (${records} records, ${entries} entries, same store and run)`, [
    { name: 'whole: delivered rate', value: records / doneAt.whole!, unit: 'records/s', note: `${doneAt.whole!.toFixed(1)} s, ${reqWhole} requests` },
    { name: 'whole: entries per second', value: entries / doneAt.whole!, unit: 'entries/s' },
    { name: 'whole: converted → delivered, mean per record', value: after.whole ?? Number.NaN, unit: 'ms' },
    { name: `parts of ${PART_LIMIT}: delivered rate`, value: records / doneAt.parts!, unit: 'records/s', note: `${doneAt.parts!.toFixed(1)} s, ${reqParts} requests` },
    { name: `parts of ${PART_LIMIT}: entries per second`, value: entries / doneAt.parts!, unit: 'entries/s' },
    { name: `parts of ${PART_LIMIT}: converted → delivered, mean per record`, value: after.parts ?? Number.NaN, unit: 'ms' },
  ]);
}

// `vhr-agent demo` (what `npm start` runs): a local FHIR store on loopback standing in for
// the province and the ministry, the agent configured against it, and a demo inbox that
// receives the sample claim files plus generated ones. Starts fresh each time.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalFhirStore } from '../localstore/fhirStore.js';
import { Agent } from '../agent/agent.js';
import { parseConfigText } from '../config/load.js';
import { closeLogger } from '../log.js';
import { waitForStopSignal } from './run.js';
import { writeGeneratedEnvelopes } from './generate.js';
import { defineCommand, wholeNumber } from './command.js';
import { pathTo, ROUTES } from '../api/routeTable.js';

export interface DemoOptions {
  dataDir: string;
  apiPort: number;
  generatedRecords: number;
}

const DEMO_FACILITY = '94170';

export function demoConfigYaml(dataDir: string, storeUrl: string, apiPort: number): string {
  return `# Demo configuration written by "vhr-agent demo"; a real install edits its own copy.
facility:
  code: "${DEMO_FACILITY}"
  name: Bệnh viện minh hoạ (demo)
dataDir: ${JSON.stringify(dataDir)}
sources:
  - id: his-xml
    type: folder
    path: ${JSON.stringify(join(dataDir, 'inbox'))}
    format: xml130
    quietMs: 300
destinations:
  - id: province
    name: Sở Y tế (thử nghiệm)
    type: fhir
    baseUrl: ${storeUrl}/province/fhir
    mode: transaction
  - id: ministry
    name: Bộ Y tế (thử nghiệm)
    type: fhir
    baseUrl: ${storeUrl}/ministry/fhir
    mode: transaction
statusApi:
  host: 127.0.0.1
  port: ${apiPort}
retry:
  baseDelayMs: 1000
  maxDelayMs: 30000
`;
}

/** Drops a file into the inbox the way a careful HIS does: write elsewhere, then rename. */
function dropIntoInbox(from: string, inbox: string, name: string): void {
  const tmp = join(inbox, `${name}.tmp`);
  copyFileSync(from, tmp);
  renameSync(tmp, join(inbox, name));
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // HAPI-like stores: references checked on write, and no size limit, since the agent sends
  // each record as one transaction and the samples reach 131 entries.
  const fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  const configPath = join(opts.dataDir, 'demo-config.yaml');
  const yaml = demoConfigYaml(opts.dataDir, fhir.url, opts.apiPort);
  writeFileSync(configPath, yaml);
  const agent = new Agent(parseConfigText(yaml, opts.dataDir, configPath), { console: true });
  await agent.start();

  const inbox = join(opts.dataDir, 'inbox');
  if (opts.generatedRecords > 0) {
    const staging = join(opts.dataDir, 'staging');
    const files = writeGeneratedEnvelopes({ records: opts.generatedRecords, outDir: staging, perFile: 10, seed: 2026, facilityCode: DEMO_FACILITY });
    for (const f of files) dropIntoInbox(join(staging, f), inbox, f);
  }

  const info = agent.apiInfo!;
  process.stdout.write(
    [
      '',
      '  vhr-agent demo đang chạy / is running',
      `  Giao diện / UI:        ${info.uiUrl}`,
      `  Status API:            ${info.url}${pathTo(ROUTES.status)}   (Authorization: Bearer <token in ${join(opts.dataDir, 'api.json')}>)`,
      `  FHIR (tỉnh/province):  ${fhir.baseUrl('province')}`,
      `  FHIR (bộ/ministry):    ${fhir.baseUrl('ministry')}`,
      `  Thư mục nhận / inbox:  ${inbox}   (drop more claim XML files here)`,
      '  Ctrl+C để dừng / to stop',
      '',
    ].join('\n'),
  );

  void reportWhenDelivered(agent, fhir);
  await waitForStopSignal();
  process.stdout.write('vhr-agent demo: stopping…\n');
  await agent.stop();
  await fhir.close();
  await closeLogger(agent.logger);
  return 0;
}

/** Prints once what the two stores hold after the first wave of records has been delivered. */
async function reportWhenDelivered(agent: Agent, fhir: Awaited<ReturnType<typeof startLocalFhirStore>>): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = '';
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    let s;
    try {
      s = agent.status();
    } catch {
      return; // stopped
    }
    const open = s.destinations.reduce((n, d) => n + d.pending, 0);
    const key = `${s.counts.received}/${open}`;
    if (s.counts.received > 0 && open === 0 && s.counts.received === s.counts.converted + s.counts.invalid && key === last) {
      for (const base of ['province', 'ministry']) {
        const patients = await fhir.countResources(base, 'Patient');
        const encounters = await fhir.countResources(base, 'Encounter');
        process.stdout.write(`  ✔ ${base}: ${patients} Patient, ${encounters} Encounter\n`);
      }
      process.stdout.write(`  ✔ ${s.counts.converted} hồ sơ đã chuyển đổi / records converted, ${s.counts.invalid} lỗi / invalid\n`);
      return;
    }
    last = key;
  }
}

export const command = defineCommand({
  name: 'demo',
  summary: 'run on demo data with a local FHIR store (province + ministry) and the UI',
  usage: '[--data DIR] [--port N] [--records N] [--no-generate]',
  options: {
    data: { type: 'string', value: 'DIR', description: 'data folder of the demo (default .vhr-demo)' },
    port: { type: 'string', value: 'N', description: 'status API and UI port (default: any free port)' },
    records: { type: 'string', value: 'N', description: 'generated claim records to add to the samples (default 20)' },
    'no-generate': { type: 'boolean', description: 'only the sample files, no generated records' },
  },
  run: ({ values }) =>
    runDemo({
      dataDir: resolve(values.data ?? '.vhr-demo'),
      apiPort: wholeNumber(values.port, 'port', 0) ?? 0,
      generatedRecords: values['no-generate'] ? 0 : (wholeNumber(values.records, 'records', 0) ?? 20),
    }),
});

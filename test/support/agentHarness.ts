// A real agent for end-to-end tests: temp data folder, watched inbox, two destinations on a
// real loopback FHIR store (province and ministry), fast retries.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, type AgentOptions } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { tempDir } from './tempDir.js';

export interface Harness {
  agent: Agent;
  fhir: LocalFhirStore;
  dataDir: string;
  /** Writes a file into the inbox atomically (temporary name, then rename). */
  drop(name: string, body: string | Buffer): void;
  destination(id: string): ReturnType<Agent['status']>['destinations'][number];
  /** Every one of `expected` converted records is settled (delivered or rejected) everywhere. */
  drained(expected: number): () => boolean;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra YAML for each destination, e.g. `timeoutMs: 300`. */
  destinationExtra?: Record<string, string>;
  /** Replaces the retry section. */
  retry?: string;
  /** More top-level YAML (alerts, retention …). */
  extra?: string;
  env?: Record<string, string>;
  /** More sources (YAML list items), e.g. an MLLP listener. */
  sources?: string[];
  /** Options of the agent itself (intervals of its timers). */
  agent?: Pick<AgentOptions, 'credentialRecheckMs'>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const tmp = tempDir('vhr-harness-');
  const fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
  const dest = (id: string) => {
    const extra = opts.destinationExtra?.[id] ?? '';
    const timeout = extra.includes('timeoutMs') ? '' : ', timeoutMs: 5000';
    return `  - { id: ${id}, type: fhir, baseUrl: "${fhir.baseUrl(id)}"${timeout}${extra ? `, ${extra}` : ''} }`;
  };
  const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources:
  - { id: his, type: folder, path: ${JSON.stringify(join(tmp.path, 'inbox'))}, quietMs: 30 }
${(opts.sources ?? []).map((x) => `  - ${x}`).join('\n')}
destinations:
${dest('province')}
${dest('ministry')}
${opts.retry ?? 'retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }'}
${opts.extra ?? ''}
`;
  for (const [k, v] of Object.entries(opts.env ?? {})) process.env[k] = v;
  const agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger({ dataDir: tmp.path }), ...opts.agent });
  await agent.start();
  const inbox = join(tmp.path, 'inbox');
  return {
    agent,
    fhir,
    dataDir: tmp.path,
    drop(name, body) {
      writeFileSync(join(inbox, `${name}.tmp`), body);
      renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
    },
    destination: (id) => agent.status().destinations.find((d) => d.id === id)!,
    drained: (expected) => () => {
      const s = agent.status();
      return s.counts.converted === expected && s.destinations.every((d) => d.pending === 0 && d.delivered + d.rejected === expected);
    },
    async close() {
      await agent.stop();
      await fhir.close();
      for (const k of Object.keys(opts.env ?? {})) delete process.env[k];
      tmp.cleanup();
    },
  };
}

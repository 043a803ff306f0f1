// The built agent as a separate process, and read-only looks into its database: what the
// crash tests need to kill it at any moment and check what survived.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { envelopeOf, manyClaims } from './claimXml.js';

/** The CLI built by `npm test` (tsc) before the tests run. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'main', 'cli.js');

export const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode ? resolve() : p.once('exit', () => resolve())));

/** Messages stored and deliveries delivered, read with a separate read-only connection. */
export function dbCounts(dbPath: string): { messages: number; delivered: number } {
  if (!existsSync(dbPath)) return { messages: 0, delivered: 0 };
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const ready = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'deliveries'").get() as { n: number };
    if (!ready.n) return { messages: 0, delivered: 0 };
    return {
      messages: (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n,
      delivered: (db.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'delivered'").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

export interface AgentRun {
  configPath: string;
  dbPath: string;
}

/**
 * A config for the built agent (watched inbox, the two stores of `fhir`, fast retries) and one
 * claim file of `records` records already in its inbox.
 */
export function prepareAgentRun(
  dir: string,
  fhir: { baseUrl(base: string): string },
  opts: { records: number; prefix: string; quietMs: number; commitEvery: number; /** Records merged into one transaction at most (destination default when unset). */ maxBatch?: number; /** More sources (YAML flow mappings), e.g. an MLLP listener. */ extraSources?: string[] },
): AgentRun {
  const dataDir = join(dir, 'data');
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const configPath = join(dir, 'agent.yaml');
  const batch = opts.maxBatch === undefined ? '' : `, maxBatch: ${opts.maxBatch}`;
  writeFileSync(
    configPath,
    `facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
sources: [{ id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: ${opts.quietMs}, commitEvery: ${opts.commitEvery} }${(opts.extraSources ?? []).map((x) => `, ${x}`).join('')}]
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}"${batch} }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}"${batch} }
retry: { baseDelayMs: 20, maxDelayMs: 200 }
`,
  );
  writeFileSync(join(inbox, 'big.xml.tmp'), envelopeOf(manyClaims(opts.records, opts.prefix)));
  renameSync(join(inbox, 'big.xml.tmp'), join(inbox, 'big.xml'));
  return { configPath, dbPath: join(dataDir, 'vhr-agent.db') };
}

/** `vhr-agent run` of that config, as a separate process. */
export function startAgentProcess(configPath: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'run', '--config', configPath, '--quiet'], { stdio: 'ignore' });
}

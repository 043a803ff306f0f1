// `vhr-agent config check | keygen | sign | verify | import` (DESIGN §10, docs/managed-config.md §9):
// the check of a facility's configuration file for headless installs; the ministry's side of
// managed configuration (keys, signing, checking) and the facility's file import for sites
// without a network path to the ministry.
// Exit codes: 0 done; 1 refused or not valid (reason on stderr); 2 bad usage (from cli.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type AgentConfig } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { usabilityProblems, type UsabilityOptions } from '../config/usability.js';
import { documentedLocations, resolveConfigPath } from '../service/locations.js';
import type { ApiInfo, ManagedImportResponse } from '../api/contract.js';
import { pathTo, ROUTES } from '../api/routeTable.js';
import { AGENT_VERSION } from '../paths.js';
import { Store } from '../store/store.js';
import { parseManagedDocument, ManagedDocumentError } from '../config/managed/document.js';
import { evaluateDocument } from '../config/managed/evaluate.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey, parseSignedDocument, payloadDigest, SignatureError, signDocument, verifySignedDocument } from '../config/managed/signing.js';
import { ApplySource, ManagedStateError, ManagedStateFiles } from '../config/managed/state.js';
import { CONFIG_OPTION, defineCommand, requireConfig, UsageError, type CommandGroup } from './command.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function readText(path: string, what: string, io: Io): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    io.err(`vhr-agent: cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return undefined;
  }
}

/**
 * `config check --config FILE`: exit 0 when the configuration is valid and usable here
 * (folders, ports, secret references), 1 with every problem on stderr: key path, what is
 * wrong, how to fix it. Schema problems (YAML traps included) come first; the machine is
 * checked only for a valid file, since an invalid one names no settled paths.
 */
export async function configCheck(path: string, io: Io = processIo, opts: UsabilityOptions = {}): Promise<number> {
  let config: AgentConfig;
  try {
    config = loadConfigFile(path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`vhr-agent: ${path}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n${err.problems.map((p) => `  - ${p}\n`).join('')}`);
    return 1;
  }
  const problems = await usabilityProblems(config, opts);
  if (problems.length) {
    io.err(`vhr-agent: ${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p.key}: ${p.problem}; fix: ${p.fix}\n`).join('')}`);
    return 1;
  }
  io.out(`${path}: usable (facility ${config.facility.code}, ${config.sources.length} source${config.sources.length === 1 ? '' : 's'}, ${config.destinations.length} destination${config.destinations.length === 1 ? '' : 's'})\n`);
  return 0;
}

/** `config keygen --out DIR`: DIR/ministry.key (private, 0600) and DIR/ministry.pub. */
export function configKeygen(outDir: string, opts: { force?: boolean } = {}, io: Io = processIo): number {
  const keyPath = join(outDir, 'ministry.key');
  const pubPath = join(outDir, 'ministry.pub');
  if (!opts.force && (existsSync(keyPath) || existsSync(pubPath))) {
    io.err(`vhr-agent: ${keyPath} or ${pubPath} exists already; a new key would orphan every facility pinned to the old one (use --force to replace it)\n`);
    return 1;
  }
  const keys = generateSigningKeys();
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  writeFileSync(pubPath, keys.publicKeyPem, { mode: 0o644 });
  io.out(`${keyPath}\n${pubPath}\nkeyId ${keys.keyId}\n`);
  return 0;
}

/** `config sign --key KEY DOC.json`: the signed document on stdout. */
export function configSign(keyPath: string, docPath: string, opts: { check?: boolean } = {}, io: Io = processIo): number {
  const pem = readText(keyPath, 'the signing key', io);
  if (pem === undefined) return 1;
  let bytes: Buffer;
  try {
    bytes = readFileSync(docPath);
  } catch (err) {
    io.err(`vhr-agent: cannot read the document ${docPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    io.err(`vhr-agent: ${docPath} is not JSON: ${(err as Error).message}\n`);
    return 1;
  }
  if (opts.check !== false) {
    try {
      parseManagedDocument(doc);
    } catch (err) {
      if (!(err instanceof ManagedDocumentError)) throw err;
      io.err(`vhr-agent: ${docPath} would be refused by every agent:\n  - ${err.problems.join('\n  - ')}\n(--no-check signs it anyway)\n`);
      return 1;
    }
  }
  try {
    io.out(JSON.stringify(signDocument(bytes, parsePrivateKey(pem)), null, 2) + '\n');
  } catch (err) {
    if (!(err instanceof SignatureError)) throw err;
    io.err(`vhr-agent: ${err.message}\n`);
    return 1;
  }
  return 0;
}

/** `config verify --pub PUB SIGNED`: exit 0 only when the signature holds. */
export function configVerify(pubPath: string, signedPath: string, io: Io = processIo): number {
  const pem = readText(pubPath, 'the public key', io);
  const text = pem === undefined ? undefined : readText(signedPath, 'the signed document', io);
  if (pem === undefined || text === undefined) return 1;
  let bytes: Buffer;
  try {
    bytes = verifySignedDocument(parseSignedDocument(text), parsePublicKey(pem));
  } catch (err) {
    if (!(err instanceof SignatureError)) throw err;
    io.err(`vhr-agent: ${signedPath}: ${err.message}\n`);
    return 1;
  }
  // The signature decides the exit code; the schema is reported to help the author.
  let version = '?';
  try {
    const doc = parseManagedDocument(JSON.parse(bytes.toString('utf8')));
    version = String(doc.version);
  } catch (err) {
    io.err(`vhr-agent: warning: the signature holds but agents will refuse the document: ${(err as Error).message}\n`);
  }
  io.out(`signature valid — version ${version}\n`);
  return 0;
}

/**
 * `config import --config FILE SIGNED`: to the running agent of that configuration through
 * its status API; when none runs, checked here exactly as the agent would, then kept as
 * pending under <dataDir>/managed/ and applied at the next start.
 */
export async function configImport(config: AgentConfig, signedPath: string, io: Io = processIo): Promise<number> {
  const text = readText(signedPath, 'the signed document', io);
  if (text === undefined) return 1;
  const viaAgent = await importIntoRunningAgent(config.dataDir, text);
  if (viaAgent.kind === 'answered') {
    const r = viaAgent.result;
    if (r.applied) {
      io.out(r.unchanged ? `version ${r.version} is already in force\n` : `applied version ${r.version}${r.reconverted ? ` (${r.reconverted} records converted again)` : ''}\n`);
      return 0;
    }
    io.err(`vhr-agent: refused (${r.code}): ${r.reason}\n`);
    return 1;
  }
  if (viaAgent.kind === 'failed') {
    io.err(`vhr-agent: ${viaAgent.reason}\n`);
    return 1;
  }
  return importOffline(config, text, io);
}

type AgentAnswer = { kind: 'answered'; result: ManagedImportResponse } | { kind: 'not_running' } | { kind: 'failed'; reason: string };

async function importIntoRunningAgent(dataDir: string, text: string): Promise<AgentAnswer> {
  let info: ApiInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as ApiInfo;
  } catch {
    return { kind: 'not_running' };
  }
  let res: Response;
  try {
    // Applying waits for deliveries in flight to finish, hence the generous timeout.
    res = await fetch(`${info.url}${pathTo(ROUTES.importConfig)}`, {
      // The signed document goes as the bytes it was signed in, not re-serialised.
      method: 'POST',
      headers: { Authorization: `Bearer ${info.token}`, 'Content-Type': 'application/json' },
      body: text,
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    // api.json outlives the agent: a refused connection means it is not running.
    if (code === 'ECONNREFUSED') return { kind: 'not_running' };
    return { kind: 'failed', reason: `the agent at ${info.url} did not answer (${code ?? (err as Error).message})` };
  }
  const body = (await res.json().catch(() => undefined)) as ManagedImportResponse | { message?: string } | undefined;
  if ((res.status === 200 || res.status === 422) && body && 'applied' in body) return { kind: 'answered', result: body };
  return { kind: 'failed', reason: `the agent at ${info.url} answered HTTP ${res.status}${body && 'message' in body && body.message ? `: ${body.message}` : ''}` };
}

function importOffline(config: AgentConfig, text: string, io: Io): number {
  const files = new ManagedStateFiles(config.dataDir);
  const store = Store.open(join(config.dataDir, 'vhr-agent.db'));
  try {
    let current;
    try {
      current = files.readCurrent();
    } catch (err) {
      if (!(err instanceof ManagedStateError)) throw err;
      current = undefined;
    }
    // A pending document waiting already counts as the newest: the next must be newer still.
    const pending = pendingVersion(files);
    const floor = pending && pending.version > (current?.version ?? 0) ? pending : current;
    const e = evaluateDocument(text, {
      local: config,
      agentVersion: AGENT_VERSION,
      inForce: floor,
      highestApplied: store.highestAppliedVersion(),
      packPath: (v) => files.packPath(v),
    });
    if (!e.ok) {
      store.recordRefused({ version: e.version, code: e.code, reason: e.reason, source: ApplySource.import, versionInForce: current?.version ?? 0, digest: e.digest, now: Date.now() });
      io.err(`vhr-agent: refused (${e.code}): ${e.reason}\n`);
      return 1;
    }
    if (e.alreadyInForce) {
      io.out(floor === current ? `version ${e.document.version} is already in force\n` : `version ${e.document.version} is already waiting to be applied\n`);
      return 0;
    }
    files.writePending(text);
    io.out(`no agent running: version ${e.document.version} verified and kept in ${files.pendingPath}; it is applied when the agent starts\n`);
    return 0;
  } finally {
    store.close();
  }
}

/** Version and digest of the pending document (checked when it was stored). */
function pendingVersion(files: ManagedStateFiles): { version: number; digest: string } | undefined {
  const text = files.readPending();
  if (text === undefined) return undefined;
  try {
    const signed = parseSignedDocument(text);
    const doc = JSON.parse(Buffer.from(signed.payload, 'base64').toString('utf8')) as { version?: unknown };
    return typeof doc.version === 'number' ? { version: doc.version, digest: payloadDigest(signed) } : undefined;
  } catch {
    return undefined;
  }
}

// ── The commands ──────────────────────────────────────────────────────────────────────

const DOC_HELP = 'docs/managed-config.md describes the document, the keys and the signature.';

export const command: CommandGroup = {
  name: 'config',
  summary: 'check a configuration file; ministry-signed configuration: keys, signing, checking, import',
  subcommands: [
    defineCommand({
      name: 'check',
      summary: 'check a configuration file is valid and usable on this machine',
      usage: '[--config FILE]',
      options: { config: { ...CONFIG_OPTION, description: `configuration file (default: the one location of this platform, ${documentedLocations().configFile})` } },
      details:
        'Checks the file (YAML traps included: leading zeros, Windows paths in double quotes), then this machine:\n' +
        'folders exist and are readable (network shares and unmounted mount points detected), ports free,\n' +
        'secret references resolvable. Exit 0 when usable, 1 with every problem on stderr (key path and fix).',
      run: ({ values, positionals }) => {
        if (positionals.length) throw new UsageError('config check takes no file name; give it with --config FILE');
        return configCheck(resolveConfigPath(typeof values.config === 'string' ? values.config : undefined));
      },
    }),
    defineCommand({
      name: 'keygen',
      summary: 'make the ministry signing keys: DIR/ministry.key, DIR/ministry.pub',
      usage: '--out DIR [--force]',
      options: {
        out: { type: 'string', value: 'DIR', description: 'folder for ministry.key (Ed25519 private key, PEM) and ministry.pub' },
        force: { type: 'boolean', description: 'replace keys already there' },
      },
      run: ({ values, positionals }) => {
        if (typeof values.out !== 'string' || positionals.length) throw new UsageError('config keygen needs --out DIR');
        return Promise.resolve(configKeygen(resolve(values.out), { force: values.force === true }));
      },
    }),
    defineCommand({
      name: 'sign',
      summary: 'sign a managed config document; the signed document on stdout',
      usage: '--key KEY [--no-check] DOC.json',
      options: {
        key: { type: 'string', value: 'KEY', description: 'the ministry private key (from config keygen)' },
        'no-check': { type: 'boolean', description: 'sign without checking the document against the schema' },
      },
      details: DOC_HELP,
      run: ({ values, positionals }) => {
        if (typeof values.key !== 'string' || positionals.length !== 1) throw new UsageError('config sign needs --key KEY and one DOC.json');
        return Promise.resolve(configSign(values.key, positionals[0]!, { check: values['no-check'] !== true }));
      },
    }),
    defineCommand({
      name: 'verify',
      summary: 'exit 0 only when the signature holds',
      usage: '--pub PUB SIGNED',
      options: { pub: { type: 'string', value: 'PUB', description: 'the ministry public key' } },
      run: ({ values, positionals }) => {
        if (typeof values.pub !== 'string' || positionals.length !== 1) throw new UsageError('config verify needs --pub PUB and one SIGNED file');
        return Promise.resolve(configVerify(values.pub, positionals[0]!));
      },
    }),
    defineCommand({
      name: 'import',
      summary: 'apply a signed document to the running agent, or at its next start',
      usage: '--config FILE SIGNED',
      options: { config: CONFIG_OPTION },
      details: 'Exit 0 when applied, 1 when refused, with the reason on stderr.',
      run: ({ values, positionals }) => {
        if (typeof values.config !== 'string' || positionals.length !== 1) throw new UsageError('config import needs --config FILE and one SIGNED file');
        return configImport(requireConfig(values, 'config import'), positionals[0]!);
      },
    }),
  ],
};

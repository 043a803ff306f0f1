#!/usr/bin/env node
// The vhr-agent command (DESIGN §10). Contracts: `convert`, `validate`, `run --config`,
// `demo`, `status`, `config keygen|sign|verify|import`. Exit codes: 0 success, 1 some input rejected / not valid, 2 bad usage.
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile } from './config/load.js';
import { ConfigError } from './config/schema.js';
import { DataDirError } from './dataDir.js';
import { AGENT_VERSION } from './paths.js';

const USAGE = `vhr-agent ${AGENT_VERSION} — hồ sơ sức khỏe điện tử: claim XML / HL7v2 → FHIR R4 → provincial and ministry stores

Usage:
  vhr-agent run --config FILE            run the agent headless (SIGTERM/Ctrl+C stops it cleanly)
  vhr-agent demo [--data DIR]            run on demo data with a local FHIR store (province + ministry)
  vhr-agent convert [--format auto|xml130|hl7v2] [--report] FILE...
                                         one FHIR Bundle per record as NDJSON on stdout
                                         (--report: warnings and unmapped fields per record on stderr)
  vhr-agent validate [FILE|-]            validate NDJSON Bundles against FHIR R4
  vhr-agent status [--config FILE | --data DIR] [--json]
                                         status of a running agent
  vhr-agent retry --config FILE (--id N | --rejected [--destination ID])
  vhr-agent resend --config FILE --destination ID (--id N | --all | [--from DAY] [--to DAY] [--state STATE])
  vhr-agent cancel --config FILE --id N [--destination ID]
  vhr-agent pause|resume --config FILE --destination ID
                                         operator actions on the running agent (audited, like the UI's)
  vhr-agent keys rotate --config FILE    seal every stored payload with a new data key (agent stopped)
  vhr-agent generate --records N --out DIR [--per-file N] [--seed N] [--tables XML1,XML2,…]
                                         write realistic claim-XML envelopes for tests and demos
  vhr-agent config keygen --out DIR [--force]
                                         make the ministry signing keys: DIR/ministry.key, DIR/ministry.pub
  vhr-agent config sign --key KEY [--no-check] DOC.json
                                         sign a managed config document; the signed document on stdout
  vhr-agent config verify --pub PUB SIGNED
                                         exit 0 only when the signature holds
  vhr-agent config import --config FILE SIGNED
                                         apply a signed document to the running agent, or at its next start;
                                         exit 1 with the reason when refused
`;

class UsageError extends Error {}

/** Minimal flag parser: `--name value`, `--flag`, and positional arguments. */
export function parseArgs(argv: string[], valued: readonly string[], flags: readonly string[] = []): { opts: Record<string, string | true>; positional: string[] } {
  const opts: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-') positional.push(a);
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (valued.includes(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        opts[name] = v;
      } else if (flags.includes(name)) opts[name] = true;
      else throw new UsageError(`unknown option --${name}`);
    } else positional.push(a);
  }
  return { opts, positional };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { opts } = parseArgs(rest, ['config'], ['quiet']);
      if (typeof opts.config !== 'string') throw new UsageError('run needs --config FILE');
      const { runAgent } = await import('./commands/run.js');
      return runAgent(loadConfigFile(opts.config), { console: !opts.quiet });
    }
    case 'demo': {
      const { opts } = parseArgs(rest, ['data', 'port', 'records'], ['no-generate']);
      const { runDemo } = await import('./commands/demo.js');
      return runDemo({
        dataDir: resolve(typeof opts.data === 'string' ? opts.data : '.vhr-demo'),
        apiPort: typeof opts.port === 'string' ? Number(opts.port) : 0,
        generatedRecords: opts['no-generate'] ? 0 : typeof opts.records === 'string' ? Number(opts.records) : 20,
      });
    }
    case 'convert': {
      const { opts, positional } = parseArgs(rest, ['format', 'facility'], ['report']);
      const format = (opts.format as string | undefined) ?? 'auto';
      if (!['auto', 'xml130', 'hl7v2'].includes(format)) throw new UsageError(`--format must be auto, xml130 or hl7v2, got ${format}`);
      if (positional.length === 0) throw new UsageError('convert needs at least one FILE');
      const { convertFiles } = await import('./commands/convert.js');
      return convertFiles(positional, { format: format as 'auto' | 'xml130' | 'hl7v2', facilityCode: opts.facility as string | undefined, report: opts.report === true });
    }
    case 'validate': {
      const { positional } = parseArgs(rest, []);
      if (positional.length > 1) throw new UsageError('validate takes one FILE (or - for standard input)');
      const input = positional[0] ?? '-';
      if (input !== '-' && !existsSync(input)) throw new UsageError(`no such file: ${input}`);
      const { validateNdjson } = await import('./commands/validate.js');
      return validateNdjson(input === '-' ? process.stdin : createReadStream(input));
    }
    case 'status': {
      const { opts } = parseArgs(rest, ['config', 'data'], ['json']);
      const dataDir =
        typeof opts.config === 'string' ? loadConfigFile(opts.config).dataDir : typeof opts.data === 'string' ? resolve(opts.data) : resolve('.vhr-demo');
      const { showStatus } = await import('./commands/status.js');
      return showStatus(dataDir, { json: opts.json === true });
    }
    case 'generate': {
      const { opts } = parseArgs(rest, ['records', 'out', 'per-file', 'seed', 'tables']);
      const records = Number(opts.records);
      if (!Number.isSafeInteger(records) || records < 1) throw new UsageError('generate needs --records N (N ≥ 1)');
      if (typeof opts.out !== 'string') throw new UsageError('generate needs --out DIR');
      const { generateFiles } = await import('./commands/generate.js');
      return generateFiles({
        records,
        outDir: resolve(opts.out),
        perFile: opts['per-file'] ? Number(opts['per-file']) : 1,
        seed: opts.seed ? Number(opts.seed) : 1,
        tables: typeof opts.tables === 'string' ? opts.tables.split(',').map((t) => t.trim().toUpperCase()) : undefined,
      });
    }
    case 'config': {
      const [sub, ...args] = rest;
      const cmd = await import('./commands/config.js');
      switch (sub) {
        case 'keygen': {
          const { opts, positional } = parseArgs(args, ['out'], ['force']);
          if (typeof opts.out !== 'string' || positional.length) throw new UsageError('config keygen needs --out DIR');
          return cmd.configKeygen(resolve(opts.out), { force: opts.force === true });
        }
        case 'sign': {
          const { opts, positional } = parseArgs(args, ['key'], ['no-check']);
          if (typeof opts.key !== 'string' || positional.length !== 1) throw new UsageError('config sign needs --key KEY and one DOC.json');
          return cmd.configSign(opts.key, positional[0]!, { check: opts['no-check'] !== true });
        }
        case 'verify': {
          const { opts, positional } = parseArgs(args, ['pub']);
          if (typeof opts.pub !== 'string' || positional.length !== 1) throw new UsageError('config verify needs --pub PUB and one SIGNED file');
          return cmd.configVerify(opts.pub, positional[0]!);
        }
        case 'import': {
          const { opts, positional } = parseArgs(args, ['config']);
          if (typeof opts.config !== 'string' || positional.length !== 1) throw new UsageError('config import needs --config FILE and one SIGNED file');
          return cmd.configImport(loadConfigFile(opts.config), positional[0]!);
        }
        default:
          throw new UsageError(`config needs keygen, sign, verify or import${sub ? `, got "${sub}"` : ''}`);
      }
    }
    case 'retry':
    case 'resend':
    case 'cancel':
    case 'pause':
    case 'resume': {
      const { opts } = parseArgs(rest, ['config', 'data', 'id', 'destination', 'from', 'to', 'state'], ['rejected', 'all']);
      const dataDir = typeof opts.config === 'string' ? loadConfigFile(opts.config).dataDir : typeof opts.data === 'string' ? resolve(opts.data) : undefined;
      if (!dataDir) throw new UsageError(`${command} needs --config FILE (of the running agent)`);
      const id = opts.id === undefined ? undefined : Number(opts.id);
      if (id !== undefined && (!Number.isSafeInteger(id) || id < 1)) throw new UsageError('--id must be a record id (a positive number)');
      const dest = typeof opts.destination === 'string' ? opts.destination : undefined;
      const { runAction } = await import('./commands/actions.js');
      if (command === 'pause' || command === 'resume') {
        if (!dest) throw new UsageError(`${command} needs --destination ID`);
        return runAction(dataDir, { action: command === 'pause' ? 'pause_destination' : 'resume_destination', destinationId: dest });
      }
      if (command === 'retry') {
        if (id !== undefined) return runAction(dataDir, { action: 'retry_message', messageId: id });
        if (opts.rejected) return runAction(dataDir, { action: 'retry_rejected', destinationId: dest });
        throw new UsageError('retry needs --id N, or --rejected [--destination ID]');
      }
      if (command === 'cancel') {
        if (id === undefined) throw new UsageError('cancel needs --id N [--destination ID]');
        return runAction(dataDir, { action: 'cancel', messageId: id, destinationId: dest });
      }
      if (!dest) throw new UsageError('resend needs --destination ID');
      if (id !== undefined) return runAction(dataDir, { action: 'resend', messageId: id, destinationId: dest });
      const filtered = opts.from !== undefined || opts.to !== undefined || opts.state !== undefined;
      if (!filtered && !opts.all) throw new UsageError('resend needs --id N, a filter (--from DAY --to DAY --state STATE), or --all');
      return runAction(dataDir, {
        action: 'resend_matching',
        destinationId: dest,
        from: opts.from as string | undefined,
        to: opts.to as string | undefined,
        deliveryState: opts.state as string | undefined,
      });
    }
    case 'keys': {
      const [sub, ...more] = rest;
      if (sub !== 'rotate') throw new UsageError('keys takes: rotate --config FILE');
      const { opts } = parseArgs(more, ['config']);
      if (typeof opts.config !== 'string') throw new UsageError('keys rotate needs --config FILE');
      const { rotateKeys } = await import('./commands/keys.js');
      return rotateKeys(loadConfigFile(opts.config));
    }
    case '--version':
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`vhr-agent: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`vhr-agent: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof DataDirError) {
      process.stderr.write(`vhr-agent: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`vhr-agent: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);


#!/usr/bin/env node
// `vhr-agent <command>` (DESIGN §10): finds the command in the registry, parses its options
// with node:util parseArgs and runs it. Exit codes: 0 done, 1 failed / refused / not valid,
// 2 bad usage or an invalid configuration. `help` and `<command> --help` print usage, exit 0.
import { parseArgs } from 'node:util';
import { ConfigError } from './config/schema.js';
import { DataDirError } from './dataDir.js';
import { AGENT_VERSION } from './paths.js';
import { UsageError, type Command, type CommandGroup, type CommandInput, type OptionSpecs } from './commands/command.js';
import { COMMANDS, isGroup } from './commands/registry.js';

const TITLE = `vhr-agent ${AGENT_VERSION} — hồ sơ sức khỏe điện tử: claim XML / HL7v2 → FHIR R4 → provincial and ministry stores`;
const HELP_WORDS = new Set(['help', '--help', '-h']);

/** Bad usage that knows whose usage to show. */
class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

async function loadAll(): Promise<(Command | CommandGroup)[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}

function line(name: string, text: string): string {
  return name.length < 38 ? `  ${name.padEnd(38)} ${text}` : `  ${name}\n  ${''.padEnd(38)} ${text}`;
}

async function overview(): Promise<string> {
  const rows: string[] = [];
  for (const c of await loadAll()) {
    if (isGroup(c)) for (const sub of c.subcommands) rows.push(line(`vhr-agent ${c.name} ${sub.name} ${sub.usage}`, sub.summary));
    else rows.push(line(`vhr-agent ${c.name} ${c.usage}`, c.summary));
  }
  return `${TITLE}\n\nUsage:\n${rows.join('\n')}\n\n  vhr-agent help COMMAND, vhr-agent COMMAND --help   usage of one command\n  vhr-agent --version\n`;
}

function commandUsage(c: Command, prefix: string): string {
  const options = Object.entries(c.options).map(([name, o]) => line(`--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`, o.description));
  return [
    `vhr-agent ${prefix}${c.name} — ${c.summary}`,
    '',
    `Usage: vhr-agent ${prefix}${c.name} ${c.usage}`.trimEnd(),
    ...(options.length ? ['', 'Options:', ...options] : []),
    line('--help', 'this text'),
    ...(c.details ? ['', c.details] : []),
    '',
  ].join('\n');
}

function groupUsage(g: CommandGroup): string {
  return [`vhr-agent ${g.name} — ${g.summary}`, '', 'Usage:', ...g.subcommands.map((s) => line(`vhr-agent ${g.name} ${s.name} ${s.usage}`, s.summary)), ''].join('\n');
}

async function find(name: string): Promise<Command | CommandGroup | undefined> {
  return COMMANDS.find((c) => c.name === name)?.load();
}

/** `vhr-agent help [COMMAND [SUBCOMMAND]]` */
async function help(words: string[]): Promise<number> {
  const [name, sub] = words;
  if (!name) return void process.stdout.write(await overview()), 0;
  const c = await find(name);
  if (!c) throw new UsageError(`unknown command "${name}"`);
  if (!isGroup(c)) return void process.stdout.write(commandUsage(c, '')), 0;
  const s = sub === undefined ? undefined : c.subcommands.find((x) => x.name === sub);
  if (sub !== undefined && !s) throw new CommandUsageError(`${c.name} has no "${sub}"`, groupUsage(c));
  process.stdout.write(s ? commandUsage(s, `${c.name} `) : groupUsage(c));
  return 0;
}

async function runCommand(c: Command, args: string[], prefix: string): Promise<number> {
  const usage = commandUsage(c, prefix);
  if (args.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(Object.entries(c.options).map(([name, o]) => [name, { type: o.type }]));
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new CommandUsageError(parseArgsProblem(err as Error & { code?: string }), usage);
  }
  try {
    return await c.run(parsed as CommandInput<OptionSpecs>);
  } catch (err) {
    if (err instanceof UsageError && !(err instanceof CommandUsageError)) throw new CommandUsageError(err.message, usage);
    throw err;
  }
}

/** parseArgs' own messages, in the words of the rest of the CLI. */
function parseArgsProblem(err: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /argument missing/.test(err.message) ? `${option} needs a value` : `${option} takes no value`;
  }
  return err.message;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stdout.write(await overview());
    return 2;
  }
  if (HELP_WORDS.has(name)) return help(rest);
  if (name === 'version' || name === '--version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  const c = await find(name);
  if (!c) throw new UsageError(`unknown command "${name}"`);
  if (!isGroup(c)) return runCommand(c, rest, '');
  const [subName, ...args] = rest;
  if (subName !== undefined && HELP_WORDS.has(subName)) return help([c.name, ...args.slice(0, 1)]);
  const sub = c.subcommands.find((s) => s.name === subName);
  if (!sub) {
    const names = c.subcommands.map((s) => s.name);
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}` : names[0]!;
    throw new CommandUsageError(`${c.name} needs ${list}${subName ? `, got "${subName}"` : ''}`, groupUsage(c));
  }
  return runCommand(sub, args, `${c.name} `);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    if (err instanceof UsageError) {
      const usage = err instanceof CommandUsageError ? err.usage : await overview();
      process.stderr.write(`vhr-agent: ${err.message}\n\n${usage}`);
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

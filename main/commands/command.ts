// The shape of a `vhr-agent` command (DESIGN §10): each command module exports one, the
// registry lists them, and cli.ts parses its options with node:util parseArgs, prints its
// usage for --help and turns a UsageError into exit code 2.
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import type { AgentConfig } from '../config/schema.js';
import { resolveConfigPath } from '../service/locations.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in the usage for a string option: `--config FILE`. */
  value?: string;
  description: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Option values as parseArgs returns them: text for string options, true for flags. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

export interface CommandInput<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** As typed: `run`, or `sign` under `config`. */
  name: string;
  /** One line for `vhr-agent help`. */
  summary: string;
  /** What follows the name, e.g. `--config FILE`; options are listed from `options`. */
  usage: string;
  options: O;
  /** Extra lines for --help: exit codes, examples. */
  details?: string;
  /** The exit code (DESIGN §10); throw UsageError for bad usage (exit 2). */
  run(input: CommandInput<O>): Promise<number>;
}

/** A command made of subcommands (`config sign`, `keys rotate`). */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: readonly Command[];
}

/** Bad usage: the message and the command's usage go to stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Keeps the option types of one command so `run` sees its values typed. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command {
  return command as unknown as Command;
}

export const CONFIG_OPTION = {
  type: 'string',
  value: 'FILE',
  description: 'configuration file of the agent (YAML or JSON); default VHR_AGENT_CONFIG, else /etc/vhr-agent/config.yaml (Windows: %ProgramData%\\vhr-agent\\config.yaml)',
} as const;

/**
 * The configuration named by --config; without it the one the service reads (VHR_AGENT_CONFIG,
 * else the documented file of this platform: docs/service.md, service/locations.ts).
 */
export function requireConfig(values: { config?: string }, _command: string): AgentConfig {
  return loadConfigFile(resolveConfigPath(typeof values.config === 'string' ? values.config : undefined));
}

/** The data folder of a running agent: from its --config, or --data, or the fallback. */
export function dataDirOf(values: { config?: string; data?: string }, fallback?: string): string | undefined {
  if (typeof values.config === 'string') return loadConfigFile(values.config).dataDir;
  if (typeof values.data === 'string') return resolve(values.data);
  return fallback === undefined ? undefined : resolve(fallback);
}

/** A whole number ≥ min given as an option, or a UsageError saying which. */
export function wholeNumber(text: string | undefined, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${option} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return n;
}

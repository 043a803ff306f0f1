// Reads the local configuration file (YAML; JSON is valid YAML too) and validates it.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig, type AgentConfig } from './schema.js';

export function parseConfigText(text: string, baseDir: string, fileLabel = 'config'): AgentConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError([`${fileLabel}: is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateConfig(doc, (p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
}

export function loadConfigFile(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read the configuration file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfigText(text, dirname(resolve(path)), path);
}

/** Resolves a secret reference (`env:NAME`); secrets are never written in the config itself. */
export function resolveSecret(reference: string, env: NodeJS.ProcessEnv = process.env): string {
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const value = env[name];
    if (!value) throw new ConfigError([`the environment variable ${name} (referenced as ${reference}) is not set`]);
    return value;
  }
  throw new ConfigError([`unsupported secret reference ${JSON.stringify(reference.slice(0, 8))}…: use env:NAME`]);
}

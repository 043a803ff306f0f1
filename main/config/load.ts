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

// Secret references moved to their own module; re-exported so existing imports keep working.
export { resolveSecret } from './secrets.js';

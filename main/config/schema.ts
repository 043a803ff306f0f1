// The configuration (DESIGN §7, keys in §10), validated at start with errors that name the key
// and the fix. The keys, types, defaults and words live in definition.ts; this module applies
// them: ajv (shape, ranges, defaults), then the cross-key rules, then paths made absolute.
import { CONFIG_SCHEMA, eachAnnotated, formatPath, type SchemaNode } from './annotations.js';
import type { AgentConfig } from './definition.js';
import { compileSchema, problemsOf, problemText, sortProblems, type Problem } from './problems.js';
import { crossKeyProblems, isVerifyOffKey } from './rules.js';
import { parseSecretReference } from './secrets.js';

export type {
  AgentConfig,
  AuthConfig,
  DeliveryMode,
  DestinationConfig,
  FolderSourceConfig,
  MllpSourceConfig,
  RetryConfig,
  SourceConfig,
  TlsConfig,
} from './definition.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const validate = compileSchema(CONFIG_SCHEMA);

/** YAML and JSON users write "nothing" as null or ''; both mean the key is not set. */
function withoutEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmpty);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null && x !== '')
      .map(([k, x]) => [k, withoutEmpty(x)]),
  );
}

/** Problems of a parsed document, and the document with its defaults filled in. */
export function checkConfig(input: unknown): { doc: Record<string, unknown>; problems: Problem[] } {
  const doc = withoutEmpty(input);
  validate(doc);
  const found = problemsOf(validate.errors, isVerifyOffKey);
  const isObject = typeof doc === 'object' && doc !== null && !Array.isArray(doc);
  const obj = isObject ? (doc as Record<string, unknown>) : {};
  const problems = [...found, ...crossKeyProblems(obj, new Set(found.map((p) => formatPath(p.path))))];
  return { doc: obj, problems: sortProblems(problems, CONFIG_SCHEMA, obj) };
}

/**
 * Checks a parsed config document and fills defaults. `resolvePath` turns relative paths
 * into absolute ones (relative to the config file). Throws ConfigError listing every problem.
 */
export function validateConfig(input: unknown, resolvePath: (p: string) => string): AgentConfig {
  const { doc, problems } = checkConfig(input);
  if (problems.length) throw new ConfigError(problems.map(problemText));
  return settle(doc, resolvePath) as AgentConfig;
}

/** What the schema cannot say by itself: paths made absolute, defaults computed from other keys. */
function settle(doc: Record<string, unknown>, resolvePath: (p: string) => string): Record<string, unknown> {
  const managedKey = (doc.managed as { publicKey?: string } | undefined)?.publicKey;
  eachAnnotated(CONFIG_SCHEMA, doc, 'x-path', (value, _path, _schema, parent, key) => {
    if (typeof value === 'string') (parent as Record<string | number, unknown>)[key] = resolvePath(value);
  });
  eachAnnotated(CONFIG_SCHEMA, doc, 'x-secret', (value, _path, _schema, parent, key) => {
    const parsed = typeof value === 'string' ? parseSecretReference(value) : undefined;
    if (parsed?.ok && parsed.ref.kind === 'file') (parent as Record<string | number, unknown>)[key] = `file:${resolvePath(parsed.ref.path)}`;
  });
  for (const s of doc.sources as Record<string, unknown>[]) {
    if (s.type !== 'folder') continue;
    s.processedDir ??= `${s.path as string}/processed`;
    s.errorDir ??= `${s.path as string}/error`;
  }
  for (const d of doc.destinations as Record<string, unknown>[]) {
    d.baseUrl = (d.baseUrl as string).replace(/\/+$/, '');
  }
  // publicKey is PEM text as given, or a file path resolved against the config file's folder.
  if (managedKey !== undefined) (doc.managed as { publicKey: string }).publicKey = managedKey.includes('-----BEGIN') ? managedKey : resolvePath(managedKey);
  return doc;
}

/** The configuration's schema, for tools that show or derive from it (docs, managed documents). */
export const configSchema: SchemaNode = CONFIG_SCHEMA;

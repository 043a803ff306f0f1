// Reads the local configuration file (YAML; JSON is valid YAML too) and validates it.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { CONFIG_SCHEMA, childSchema, formatPath, type PathSegment, type SchemaNode } from './annotations.js';
import { ConfigError, validateConfig, type AgentConfig } from './schema.js';

export function parseConfigText(text: string, baseDir: string, fileLabel = 'config'): AgentConfig {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length) {
    const hint = escapeHint(document.errors[0]!.message, text);
    throw new ConfigError([`${fileLabel}: is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}${hint}`]);
  }
  const traps = yamlTraps(document);
  try {
    const config = validateConfig(document.toJS(), (p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
    if (traps.size) throw new ConfigError([]);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError) || !traps.size) throw err;
    // A trap explains the problem of its key better than the check that caught it.
    const rest = err.problems.filter((p) => ![...traps.keys()].some((path) => p.startsWith(`${path}: `)));
    throw new ConfigError([...[...traps].map(([path, hint]) => `${path}: ${hint}`), ...rest]);
  }
}

/**
 * YAML reads some values differently from what the writer meant, without any error:
 * `code: 01001` is the number 1001 (the leading zero is lost), and in double quotes a
 * backslash starts an escape, so "D:\new\in" holds a line break and a tab.
 */
function yamlTraps(document: Document): Map<string, string> {
  const traps = new Map<string, string>();
  const visit = (node: unknown, path: PathSegment[], schema: SchemaNode | undefined) => {
    if (isMap(node)) {
      const plain = node.toJSON() as unknown;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, [...path, key], schema && childSchema(schema, key, plain));
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => visit(item, [...path, i], schema && childSchema(schema, i)));
    else if (isScalar(node)) {
      const source = (node as { source?: string }).source;
      // Only where the schema wants text: a number key read as a number is what was meant.
      if (schema?.type === 'string' && typeof node.value === 'number' && typeof source === 'string' && /^[+-]?0\d+$/.test(source)) {
        traps.set(formatPath(path), `YAML reads ${source} as the number ${node.value} and drops the leading zero; put it in quotes: "${source}"`);
      } else if (node.type === 'QUOTE_DOUBLE' && typeof node.value === 'string' && /[\n\t\r\f\b\v\0]/.test(node.value) && /^[A-Za-z]:|^\\\\/.test(source ?? node.value)) {
        traps.set(formatPath(path), windowsPathHint());
      }
    }
  };
  visit(document.contents, [], CONFIG_SCHEMA);
  return traps;
}

const windowsPathHint = () =>
  `a Windows path in double quotes: there a backslash starts an escape (\\n, \\t, …); write it in single quotes ('D:\\HIS\\XuatXML') or with forward slashes (D:/HIS/XuatXML)`;

/** "D:\HIS\XuatXML" in double quotes fails on \H: say why, not only where. */
function escapeHint(message: string, text: string): string {
  if (!/escape sequence/i.test(message)) return '';
  return /"[A-Za-z]:\\/.test(text) || /"\\\\/.test(text) ? ` (${windowsPathHint()})` : '';
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

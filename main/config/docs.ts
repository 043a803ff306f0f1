// docs/configuration.md, rendered from the configuration schema (definition.ts) so the
// reference cannot drift from what the agent accepts. `npm run docs:config` writes it; a test
// fails when the committed file is stale.
import { CONFIG_SCHEMA, LOCAL_KEYS, MANAGED_KEYS, SECRET_SETTINGS, type SchemaNode } from './annotations.js';

interface Row {
  key: string;
  type: string;
  fallback: string;
  description: string;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: SchemaNode): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (s['x-branches']) return `mapping by \`type\``;
  if (s.type === 'array') return s.items?.type === 'object' || s.items?.['x-branches'] ? 'list' : `list of ${typeOf(s.items ?? {})}`;
  if (s.type === 'object') return 'mapping';
  if (s.type === 'number') return s.minimum !== undefined && s.maximum !== undefined ? `number ${String(s.minimum)}–${String(s.maximum)}` : 'number';
  if (s.type === 'string') return s['x-secret'] ? 'secret reference' : s['x-path'] ? 'path' : 'text';
  return String(s.type ?? '');
}

function fallbackOf(s: SchemaNode, required: boolean): string {
  if (typeof s['x-default'] === 'string') return `\`${s['x-default']}\``;
  // An empty mapping as default only means "the section may be left out".
  const emptySection = typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default) && Object.keys(s.default).length === 0;
  if (s.default !== undefined) return emptySection ? '' : `\`${JSON.stringify(s.default)}\``;
  return required ? '**required**' : '';
}

function rows(node: SchemaNode, prefix: string, out: Row[]): void {
  const required = new Set(node.required ?? []);
  for (const [key, s] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const notes = [s.description ?? '', s['x-fix'] ? `If missing: ${String(s['x-fix'])}.` : ''].filter(Boolean).join(' ');
    out.push({ key: path, type: typeOf(s), fallback: fallbackOf(s, required.has(key)), description: notes });
    if (s.type === 'object' && !s['x-branches']) rows(s, path, out);
    if (s['x-branches']) branches(s, path, out);
    const item = s.items;
    if (item?.['x-branches']) branches(item, `${path}[]`, out);
    else if (item?.type === 'object') rows(item, `${path}[]`, out);
  }
}

/** A union's branches, each with the keys it adds: `auth` (type: oauth2). */
function branches(node: SchemaNode, path: string, out: Row[]): void {
  const type = node.properties!.type!;
  out.push({ key: `${path}.type`, type: typeOf(type), fallback: fallbackOf(type, (node.required ?? []).includes('type')), description: 'Which kind; each adds the keys below.' });
  for (const b of node['x-branches'] ?? []) {
    const name = String(b.properties?.type?.enum?.[0]);
    const keys: SchemaNode = { ...b, properties: Object.fromEntries(Object.entries(b.properties ?? {}).filter(([k]) => k !== 'type')) };
    out.push({ key: `${path} (type: ${name})`, type: 'mapping', fallback: '', description: b.description ?? '' });
    rows(keys, path, out);
  }
}

export function renderConfigDoc(): string {
  const table: Row[] = [];
  rows(CONFIG_SCHEMA, '', table);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from main/config/definition.ts by `npm run docs:config`; edit the schema, not this file. -->',
    '',
    'The configuration file is YAML (JSON is accepted too). It is checked when the agent starts; every',
    'problem is reported at once, naming its key path and how to put it right. Relative paths are read',
    'from the folder of the configuration file.',
    '',
    'YAML reads some values differently from what was meant: write codes with leading zeros in quotes',
    '(`code: "01001"`, not `code: 01001`), and Windows paths in single quotes or with forward slashes',
    "(`'D:\\HIS\\XuatXML'` or `D:/HIS/XuatXML`), never in double quotes, where a backslash starts an escape.",
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...table.map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.fallback)} | ${cell(r.description)} |`),
    '',
    '## Secrets',
    '',
    'These settings hold a reference to a secret — `env:NAME`, `file:PATH` or `keychain:SERVICE/ACCOUNT` —',
    'never the secret itself; the status UI shows them masked.',
    '',
    ...SECRET_SETTINGS.map((p) => `- \`${p}\``),
    '',
    '## Managed by the ministry',
    '',
    'A signed ministry document ([managed-config.md](managed-config.md)) may set these keys, every key in',
    'them optional: ' + MANAGED_KEYS.map((k) => `\`${k}\``).join(', ') + '. The others stay with the facility: ' + LOCAL_KEYS.map((k) => `\`${k}\``).join(', ') + '.',
    "A document may also change the profile pack's contents and the update feed.",
    '',
  ].join('\n');
}

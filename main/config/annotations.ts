// Reading the configuration schema's annotations (definition.ts): the walks that derive
// defaults, secret fields, paths to resolve and the ministry's partial schema from it.
import { ConfigSchema } from './definition.js';

/** A JSON Schema node as plain data (TypeBox's own symbols are not looked at). */
export type SchemaNode = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  'x-branches'?: SchemaNode[];
};

export const CONFIG_SCHEMA = ConfigSchema as unknown as SchemaNode;

/** The branch of a `type`-keyed union a value selects, or undefined when its type is not known. */
export function branchFor(node: SchemaNode, value: unknown): SchemaNode | undefined {
  const type = value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  const chosen = type ?? node.properties?.type?.default;
  return node['x-branches']?.find((b) => b.properties?.type?.enum?.[0] === chosen);
}

/** The schema of `key` (or array index) under `node` for this value, following unions. */
export function childSchema(node: SchemaNode, key: string | number, parentValue?: unknown): SchemaNode | undefined {
  if (typeof key === 'number') return node.items;
  const branch = node['x-branches'] ? branchFor(node, parentValue) : undefined;
  return (branch ?? node).properties?.[key] ?? node.properties?.[key];
}

export type PathSegment = string | number;

/** `['destinations', 0, 'auth', 'token']` → `destinations[0].auth.token`, the way problems name keys. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Calls `visit` for every value in `value` whose schema carries `annotation`. */
export function eachAnnotated(
  node: SchemaNode,
  value: unknown,
  annotation: string,
  visit: (value: unknown, path: PathSegment[], schema: SchemaNode, parent: Record<string, unknown> | unknown[], key: PathSegment) => void,
  path: PathSegment[] = [],
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const s = node.items;
      if (!s) return;
      if (s[annotation]) visit(item, [...path, i], s, value, i);
      eachAnnotated(s, item, annotation, visit, [...path, i]);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(obj)) {
    const s = childSchema(node, key, obj);
    if (!s) continue;
    if (s[annotation] && v !== undefined) visit(v, [...path, key], s, obj, key);
    eachAnnotated(s, v, annotation, visit, [...path, key]);
  }
}

/** Every place of a schema carrying `annotation`, as paths with `[]` for any list item. */
export function annotatedPaths(node: SchemaNode, annotation: string, prefix = ''): string[] {
  const out: string[] = [];
  const props: Record<string, SchemaNode> = { ...node.properties };
  for (const b of node['x-branches'] ?? []) Object.assign(props, b.properties);
  for (const [key, s] of Object.entries(props)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (s[annotation]) out.push(p);
    out.push(...annotatedPaths(s, annotation, p));
  }
  if (node.items) {
    if (node.items[annotation]) out.push(`${prefix}[]`);
    out.push(...annotatedPaths(node.items, annotation, `${prefix}[]`));
  }
  return [...new Set(out)];
}

/** The defaults of an object schema's properties, nested sections included. */
export function defaultsOf(node: SchemaNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(node.properties ?? {})) {
    if (s.properties && s.default !== undefined) out[key] = { ...(s.default as object), ...defaultsOf(s) };
    else if (s.default !== undefined) out[key] = structuredClone(s.default);
  }
  return out;
}

/** Settings that hold a secret (by reference): `destinations[].auth.token`, … (x-secret). */
export const SECRET_SETTINGS: readonly string[] = annotatedPaths(CONFIG_SCHEMA, 'x-secret');
/** Their key names, for code that masks secrets wherever they sit. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_SETTINGS.map((p) => p.slice(p.lastIndexOf('.') + 1)));
/** Top-level keys the ministry's signed documents may set (x-managed); the rest stays the operator's. */
export const MANAGED_KEYS: readonly string[] = Object.entries(CONFIG_SCHEMA.properties!)
  .filter(([, s]) => s['x-managed'])
  .map(([k]) => k);
export const LOCAL_KEYS: readonly string[] = Object.keys(CONFIG_SCHEMA.properties!).filter((k) => !MANAGED_KEYS.includes(k));

/**
 * The same schema with every key optional and no defaults: what a ministry document may say
 * about a section. Values keep their types and word lists; list items keep their `id`, and a
 * union keeps its `type`, so a change always says what it changes. Ranges are left to the check
 * of the merged configuration, which names a destination by its id (merge.ts).
 */
export function partialSchema(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'default' || k === 'required' || k === 'minimum' || k === 'maximum') continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, SchemaNode>).map(([p, s]) => [p, partialSchema(s)]));
    else if (k === 'items') out.items = partialSchema(v as SchemaNode);
    else if (k === 'allOf') out.allOf = (v as { if: unknown; then: SchemaNode }[]).map((c) => ({ if: c.if, then: partialSchema(c.then) }));
    else if (k === 'x-branches') out[k] = (v as SchemaNode[]).map(partialSchema);
    else out[k] = v;
  }
  if (node['x-branches']) out.required = ['type'];
  if (node.properties?.id) out.required = ['id'];
  return out;
}

/**
 * Every secret reference a configuration holds, with its key path: what must resolve before
 * the agent can deliver (secrets.ts resolves them; a configuration check lists those that do not).
 */
export function secretReferences(config: unknown): { key: string; reference: string }[] {
  const out: { key: string; reference: string }[] = [];
  eachAnnotated(CONFIG_SCHEMA, config, 'x-secret', (value, path) => {
    if (typeof value === 'string') out.push({ key: formatPath(path), reference: value });
  });
  return out;
}

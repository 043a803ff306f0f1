// ajv's findings in plain words for hospital IT staff: every problem names its key path and,
// from the schema's annotations (x-invalid, x-fix), what is wrong and how to put it right.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { childSchema, formatPath, type PathSegment, type SchemaNode } from './annotations.js';

const VOCABULARY = ['x-fix', 'x-invalid', 'x-secret', 'x-example', 'x-path', 'x-managed', 'x-default', 'x-branches', 'x-branch'];

/**
 * Validators fill defaults and read numbers or codes written without quotes as the type the
 * schema asks for (`port: "8137"`, `code: 94170`), as YAML users expect.
 */
export function compileSchema(schema: SchemaNode, options: { coerceTypes?: boolean } = {}): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: options.coerceTypes ?? true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
  ajv.addVocabulary(VOCABULARY);
  return ajv.compile(schema);
}

export interface Problem {
  path: PathSegment[];
  message: string;
}

export const problemText = (p: Problem): string => `${formatPath(p.path)}: ${p.message}`;

function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const got = (v: unknown) => `, got ${JSON.stringify(v)}`;

/** The problem for one ajv error; undefined for errors that only repeat another (if/then). */
function describe(e: ErrorObject, ignoreKey: (key: string, parent: PathSegment[]) => boolean): Problem | undefined {
  const path = pointerToPath(e.instancePath);
  const s = (e.parentSchema ?? {}) as SchemaNode;
  const fix = typeof s['x-fix'] === 'string' ? `; ${s['x-fix']}` : '';
  // A secret's value is never repeated: when it is not a reference, it probably is the secret.
  const value = s['x-secret'] ? '' : got(e.data);
  const valueKeywords = ['enum', 'pattern', 'minimum', 'maximum', 'type', 'const', 'format'];
  if (typeof s['x-invalid'] === 'string' && valueKeywords.includes(e.keyword)) return { path, message: `${s['x-invalid']}${value}` };
  switch (e.keyword) {
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      const child = s.properties?.[key] ?? {};
      const choices = Array.isArray(child.enum) && child.enum.length > 1 ? ` (${child.enum.join(' or ')})` : '';
      const childFix = typeof child['x-fix'] === 'string' ? `; ${child['x-fix']}` : '';
      return { path: [...path, key], message: `is required${choices}${childFix}` };
    }
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      if (ignoreKey(key, path)) return undefined;
      const known = Object.keys(s.properties ?? {});
      const branchType = s.properties?.type?.enum?.length === 1 && s['x-branch'] ? ` with type ${String(s.properties.type.enum[0])}` : '';
      return { path: [...path, key], message: `unknown key${branchType} (known keys: ${known.join(', ')})` };
    }
    case 'enum':
      return { path, message: `must be one of ${(s.enum ?? []).join(', ')}${value}` };
    case 'pattern':
      return { path, message: `does not have the expected form (${s.pattern as string})${value}` };
    case 'minimum':
    case 'maximum':
      if (s.maximum === undefined) return { path, message: `must be a number ≥ ${s.minimum as number}${value}` };
      if (s.minimum === undefined) return { path, message: `must be a number ≤ ${s.maximum as number}${value}` };
      return { path, message: `must be a number from ${s.minimum as number} to ${s.maximum as number}${value}` };
    case 'type': {
      const type = (e.params as { type: string }).type;
      if (type === 'number' || type === 'integer') {
        const range = s.minimum !== undefined && s.maximum !== undefined ? ` from ${s.minimum as number} to ${s.maximum as number}` : '';
        return { path, message: `must be a number${range}${value}` };
      }
      if (type === 'string') return { path, message: `must be text, got ${Array.isArray(e.data) ? 'a list' : typeof e.data}${fix}` };
      if (type === 'object') return { path, message: path.length ? 'must be a mapping of keys' : 'the file must hold a mapping of keys (YAML or JSON object)' };
      if (type === 'array') return { path, message: 'must be a list' };
      if (type === 'boolean') return { path, message: `must be true or false${value}` };
      return { path, message: `must be ${type}${value}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(s.const)}${value}` };
    case 'if':
      return undefined;
    default:
      return { path, message: `${e.message ?? 'is not valid'}${fix}` };
  }
}

/** Problems of one validation, one per key path and kind, in the order of the schema. */
export function problemsOf(errors: readonly ErrorObject[] | null | undefined, ignoreKey: (key: string, parent: PathSegment[]) => boolean = () => false): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const p = describe(e, ignoreKey);
    if (!p) continue;
    const text = problemText(p);
    const pathText = formatPath(p.path);
    // minimum and maximum, or type and range, say the same thing once.
    if (seen.has(text) || (['minimum', 'maximum', 'type'].includes(e.keyword) && seen.has(`range:${pathText}`))) continue;
    seen.add(text);
    if (['minimum', 'maximum', 'type'].includes(e.keyword)) seen.add(`range:${pathText}`);
    out.push(p);
  }
  return out;
}

/**
 * Orders problems the way the document reads: keys in the schema's order, list items by index,
 * unknown keys after known ones; problems of the same key keep the order they were found in.
 */
export function sortProblems(problems: Problem[], schema: SchemaNode, doc: unknown): Problem[] {
  const rank = (p: Problem): number[] => {
    const out: number[] = [];
    let node: SchemaNode | undefined = schema;
    let value: unknown = doc;
    for (const seg of p.path) {
      if (typeof seg === 'number') out.push(seg);
      else {
        const keys: string[] = Object.keys(node?.properties ?? {});
        for (const b of node?.['x-branches'] ?? []) for (const k of Object.keys(b.properties ?? {})) if (!keys.includes(k)) keys.push(k);
        const i = keys.indexOf(seg);
        out.push(i < 0 ? 1000 : i);
      }
      node = node ? childSchema(node, seg, value) : undefined;
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[seg as string] : undefined;
    }
    return out;
  };
  const ranked = problems.map((p, i) => ({ p, i, r: rank(p) }));
  ranked.sort((a, b) => {
    const n = Math.min(a.r.length, b.r.length);
    for (let k = 0; k < n; k++) if (a.r[k] !== b.r[k]) return a.r[k]! - b.r[k]!;
    return a.i - b.i;
  });
  return ranked.map((x) => x.p);
}

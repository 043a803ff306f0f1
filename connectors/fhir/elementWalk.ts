// A walk over the elements actually present in a resource, each one paired with its R4
// element definition and concrete type (value[x] resolved). @medplum's own crawler visits
// every element a type *could* have and resolves every choice type on each visit; that is
// where most of validateResource's time goes. This walk only visits what is there.
import { getDataType, isPrimitiveType, type InternalSchemaElement, type InternalTypeSchema } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { childPath } from './issues.js';

export interface PresentElement {
  element: InternalSchemaElement;
  /** The concrete FHIR type: `Quantity` for valueQuantity, the resourceType for a nested resource. */
  type: string;
  value: unknown;
  path: string;
  /** The nearest enclosing resource (FHIRPath %resource). */
  resource: Resource;
}

export interface ElementVisitor {
  /** A resource met at `path` (the root too) with its type definition. */
  resource(resource: Resource, schema: InternalTypeSchema, path: string, isRoot: boolean): void;
  element(e: PresentElement): void;
}

interface KeyInfo {
  element: InternalSchemaElement;
  type: string;
  /** The element carries something to check: an invariant other than ele-1, or a required binding. */
  visit: boolean;
  /** Something to check may sit below it. */
  descend: boolean;
}

const keyTables = new WeakMap<InternalTypeSchema, Map<string, KeyInfo>>();
const descendCache = new Map<string, boolean>();

function carriesCheck(element: InternalSchemaElement): boolean {
  return element.binding?.strength === 'required' || (element.constraints ?? []).some((c) => c.key !== 'ele-1' && c.severity === 'error');
}

/**
 * Whether a value of this type can hold anything to check. Most can (every element may carry
 * extensions, and ext-1 sits on them), but primitives and a few leaf types need no visit.
 */
function worthDescending(type: string): boolean {
  if (isPrimitiveType(type)) return false;
  if (type === 'Resource' || type === 'DomainResource') return true;
  const known = descendCache.get(type);
  if (known !== undefined) return known;
  // Provisionally true, so a recursive type (Extension inside Extension) ends the recursion safely.
  descendCache.set(type, true);
  const schema = tryDataType(type);
  const result =
    schema === undefined || schema.kind === 'resource' || Object.values(schema.elements).some((e) => carriesCheck(e) || e.type.some((t) => worthDescending(t.code)));
  descendCache.set(type, result);
  return result;
}

function info(element: InternalSchemaElement, type: string): KeyInfo {
  return { element, type, visit: carriesCheck(element), descend: worthDescending(type) };
}

/** JSON key → element and type, choice types expanded; `_x` keys resolve to Element. */
function keysOf(schema: InternalTypeSchema): Map<string, KeyInfo> {
  let table = keyTables.get(schema);
  if (table) return table;
  table = new Map();
  for (const [key, element] of Object.entries(schema.elements)) {
    const types = element.type.map((t) => t.code);
    if (key.endsWith('[x]')) {
      const stem = key.slice(0, -3);
      for (const t of types) {
        const name = stem + t.charAt(0).toUpperCase() + t.slice(1);
        table.set(name, info(element, t));
        table.set(`_${name}`, info(element, 'Element'));
      }
    } else {
      table.set(key, info(element, types[0] ?? 'Element'));
      table.set(`_${key}`, info(element, 'Element'));
    }
  }
  keyTables.set(schema, table);
  return table;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tryDataType(type: string): InternalTypeSchema | undefined {
  try {
    return getDataType(type);
  } catch {
    return undefined;
  }
}

function walkObject(obj: Record<string, unknown>, schema: InternalTypeSchema, path: string, resource: Resource, visitor: ElementVisitor): void {
  const keys = keysOf(schema);
  for (const key of Object.keys(obj)) {
    const k = keys.get(key);
    // Unknown keys are the structural check's to report; unchecked leaves need no visit.
    if (!k || (!k.visit && !k.descend)) continue;
    const raw = obj[key];
    const at = childPath(path, key);
    if (Array.isArray(raw)) raw.forEach((item, i) => walkValue(item, k, childPath(at, i), resource, visitor));
    else walkValue(raw, k, at, resource, visitor);
  }
}

function walkValue(value: unknown, info: KeyInfo, path: string, resource: Resource, visitor: ElementVisitor): void {
  if (value === null || value === undefined) return;
  if (info.type === 'Resource' || info.type === 'DomainResource') {
    if (!isObject(value) || typeof value.resourceType !== 'string') return;
    if (info.visit) visitor.element({ element: info.element, type: value.resourceType, value, path, resource });
    walkResource(value as unknown as Resource, path, false, visitor);
    return;
  }
  if (info.visit) visitor.element({ element: info.element, type: info.type, value, path, resource });
  if (!info.descend || !isObject(value)) return;
  const schema = tryDataType(info.type);
  if (schema) walkObject(value, schema, path, resource, visitor);
}

function walkResource(resource: Resource, path: string, isRoot: boolean, visitor: ElementVisitor): void {
  const schema = tryDataType(resource.resourceType);
  if (!schema || schema.kind !== 'resource') return;
  visitor.resource(resource, schema, path, isRoot);
  walkObject(resource as unknown as Record<string, unknown>, schema, path, resource, visitor);
}

/** Visits `root` and every element present in it, nested resources included. */
export function walkResourceElements(root: Resource, visitor: ElementVisitor): void {
  walkResource(root, root.resourceType, true, visitor);
}

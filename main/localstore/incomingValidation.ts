// What the store checks before it stores anything. The in-memory repository accepts any
// JSON, so a store that is to behave like a real provincial one must refuse bad data
// itself: base R4 structure (validateR4) plus the R4 id rule, which validateR4 leaves out.
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { hasErrors, validateR4 } from '../../connectors/fhir/validator.js';
import { issue } from './outcomes.js';

/** R4 `id` datatype: https://hl7.org/fhir/R4/datatypes.html#id */
const R4_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return R4_ID.test(id);
}

/**
 * Error issues of one incoming resource. `at` is how the caller names it
 * (`Patient`, or `Bundle.entry[2].resource` inside a Bundle); validator paths such as
 * `Patient.birthDate` are re-rooted there so the client can find the element.
 */
export function resourceIssues(resource: unknown, at: string): OperationOutcomeIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || typeof (resource as Resource).resourceType !== 'string') {
    return [issue('structure', 'Expected a FHIR resource: a JSON object with resourceType', at)];
  }
  const r = resource as Resource;
  const found: OperationOutcomeIssue[] = [];
  if (r.id !== undefined && (typeof r.id !== 'string' || !isValidId(r.id))) {
    found.push(issue('value', `Invalid resource id "${String(r.id)}": 1-64 letters, digits, "-" or "."`, `${at}.id`));
  }
  const validation = validateR4(r);
  if (hasErrors(validation)) {
    for (const v of validation) {
      if (v.severity !== 'error') continue;
      found.push(issue('invalid', v.message, reroot(v.path, r.resourceType, at)));
    }
  }
  return found;
}

/**
 * Errors in a transaction/batch Bundle's own elements (type, entry.request…), checked
 * without its entries' resources, which are validated one by one.
 */
export function bundleEnvelopeIssues(bundle: Resource & { entry?: unknown }): OperationOutcomeIssue[] {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : undefined;
  const envelope = {
    ...bundle,
    ...(entries ? { entry: entries.map(withoutResource) } : {}),
  } as Resource;
  return resourceIssues(envelope, 'Bundle');
}

function withoutResource(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const { resource: _resource, ...rest } = entry as Record<string, unknown>;
  return rest;
}

function reroot(path: string, resourceType: string, at: string): string {
  if (!path) return at;
  if (path === resourceType) return at;
  if (path.startsWith(`${resourceType}.`)) return at + path.slice(resourceType.length);
  return path;
}

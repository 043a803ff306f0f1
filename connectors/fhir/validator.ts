// Base FHIR R4 validation of what the agent delivers (DESIGN §6: a failing record becomes
// `invalid`). Three checks, each doing what it is fastest at:
//  1. structure.ts — the official R4 JSON schema compiled with ajv: types, formats,
//     required and unknown elements, empty values;
//  2. invariants.ts — the StructureDefinitions' FHIRPath invariants, on @medplum's engine;
//  3. bindings.ts — codes of required bindings against the R4 value sets.
// Together they flag everything @medplum's validateResource flags (validator.diff.test.ts)
// at a fraction of its cost; 2 and 3 share one walk over the elements present.
import type { Resource } from '@medplum/fhirtypes';
import { checkBinding } from './bindings.js';
import { walkResourceElements } from './elementWalk.js';
import { InvariantChecker } from './invariants.js';
import type { ValidationIssue } from './issues.js';
import { ensureR4DefinitionsLoaded } from './r4Definitions.js';
import { checkStructure, validatorFor } from './structure.js';

export type { ValidationIssue } from './issues.js';
export { ensureR4DefinitionsLoaded } from './r4Definitions.js';

/**
 * Validates a resource (a Bundle validates its entries too) against base R4: types,
 * cardinality, formats, unknown elements, invariants and required bindings. Returns every
 * issue; an empty list or one without errors means valid.
 */
export function validateR4(resource: Resource): ValidationIssue[] {
  ensureR4DefinitionsLoaded();
  const issues = checkStructure(resource);
  // Without a known resource type there is nothing the element checks could go by.
  if (typeof resource?.resourceType !== 'string' || !validatorFor(resource.resourceType)) return issues;
  const invariants = new InvariantChecker(resource);
  const bindings: ValidationIssue[] = [];
  walkResourceElements(resource, {
    resource: (r, schema, path, isRoot) => invariants.resource(r, schema, path, isRoot),
    element: (e) => {
      invariants.element(e);
      const b = checkBinding(e);
      if (b) bindings.push(b);
    },
  });
  // A code the schema's enum already refused is one problem, not two.
  const refused = new Set(issues.map((i) => i.path));
  return [...issues, ...invariants.issues, ...bindings.filter((b) => !refused.has(b.path))];
}

export function hasErrors(issues: readonly ValidationIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

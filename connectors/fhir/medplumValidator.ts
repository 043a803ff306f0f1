// Base R4 validation with @medplum/core's validateResource, exactly as the agent has always
// done it. Kept as the reference the fast validator is measured and tested against.
import { validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ValidationIssue } from './issues.js';
import { ensureR4DefinitionsLoaded } from './r4Definitions.js';

function toIssue(issue: OperationOutcomeIssue): ValidationIssue {
  const severity = issue.severity === 'fatal' || issue.severity === 'error' ? 'error' : issue.severity === 'warning' ? 'warning' : 'information';
  return {
    severity,
    path: issue.expression?.[0] ?? issue.location?.[0] ?? '',
    message: issue.details?.text ?? issue.diagnostics ?? 'invalid',
  };
}

/** Types, cardinality, formats, unknown elements and FHIRPath invariants; not value sets. */
export function validateWithMedplum(resource: Resource): ValidationIssue[] {
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

// OperationOutcome bodies the store answers with. Errors always carry one, so a client
// can show the store's own words (DESIGN §4.5).
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

type IssueCode = OperationOutcomeIssue['code'];

export function issue(code: IssueCode, text: string, expression?: string): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) };
}

export function outcomeOf(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function errorOutcome(code: IssueCode, text: string, expression?: string): OperationOutcome {
  return outcomeOf([issue(code, text, expression)]);
}

/** What a store says when it answers `status` without anything more specific to add. */
export function outcomeForStatus(status: number): OperationOutcome {
  switch (status) {
    case 400:
      return errorOutcome('invalid', 'Bad request');
    case 401:
      return errorOutcome('login', 'Authentication required');
    case 403:
      return errorOutcome('forbidden', 'Forbidden');
    case 404:
      return errorOutcome('not-found', 'Not found');
    case 408:
      return errorOutcome('timeout', 'Request timeout');
    case 409:
      return errorOutcome('conflict', 'Conflict');
    case 422:
      return errorOutcome('processing', 'Unprocessable entity');
    case 429:
      return errorOutcome('throttled', 'Too many requests');
    case 503:
      return errorOutcome('transient', 'Service unavailable');
    default:
      return errorOutcome(status >= 500 ? 'exception' : 'processing', `HTTP ${status}`);
  }
}

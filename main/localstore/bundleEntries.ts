// Entry-level rules of transaction and batch Bundles that the router leaves to its host:
// identity uniqueness, how a failing entry fails a transaction, and the status and
// version details each entry of a response carries.
import type { BundleEntry, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue, outcomeOf } from './outcomes.js';

export function errorEntry(status: number, outcome: OperationOutcome): BundleEntry {
  return { response: { status: String(status), outcome } };
}

export function is2xx(status: string | undefined): boolean {
  return /^2\d\d\b/.test(status ?? '');
}

/** A transaction fails as a whole with the failing entry's status and words, located at that entry. */
export function failedTransaction(entry: BundleEntry, index: number): { status: number; outcome: OperationOutcome } {
  const status = Number.parseInt(entry.response?.status ?? '', 10);
  const issues: OperationOutcomeIssue[] = (entry.response?.outcome as OperationOutcome | undefined)?.issue ?? [issue('processing', 'Entry failed')];
  const located = issues.map((i) => (i.expression?.length ? i : { ...i, expression: [`Bundle.entry[${index}]`] }));
  return { status: Number.isFinite(status) && status >= 400 ? status : 400, outcome: outcomeOf(located) };
}

/** R4 forbids two entries of one transaction acting on the same resource. */
export function duplicateIdentityIssues(entries: BundleEntry[]): OperationOutcomeIssue[] {
  const seen = new Map<string, number>();
  const issues: OperationOutcomeIssue[] = [];
  entries.forEach((entry, i) => {
    const url = entry?.request?.url;
    const method = entry?.request?.method;
    if (!url || url.includes('?') || method === 'GET' || method === 'POST') return;
    const key = url.replace(/^\/+/, '');
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else issues.push(issue('invalid', `Duplicate resource identity ${key} (also in Bundle.entry[${first}])`, `Bundle.entry[${i}].request.url`));
  });
  return issues;
}

/** Statuses and version details a real store puts on each entry of a transaction-response. */
export function decorateEntry(entry: BundleEntry, request: BundleEntry, createdKeys: Set<string>, minimal: boolean): void {
  const response = entry.response;
  const resource = entry.resource;
  if (!response || !is2xx(response.status) || !resource?.id) return;
  if (request.request?.method === 'PUT' && response.status === '200' && createdKeys.has(`${resource.resourceType}/${resource.id}`)) {
    response.status = '201';
  }
  response.location = historyPath(resource);
  if (resource.meta?.versionId) response.etag = `W/"${resource.meta.versionId}"`;
  if (resource.meta?.lastUpdated) response.lastModified = resource.meta.lastUpdated;
  if (minimal) delete entry.resource;
}

export function historyPath(resource: Resource): string {
  const base = `${resource.resourceType}/${resource.id}`;
  return resource.meta?.versionId ? `${base}/_history/${resource.meta.versionId}` : base;
}

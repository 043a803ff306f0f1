// Referential integrity on write, as HAPI FHIR enforces it by default and Medplum does for
// the references it can read: a literal reference must name a resource that is stored, or
// one written by the same transaction. A batch's entries are independent, so there a
// reference may only name what is already stored when the entry is processed.
import type { BundleEntry, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue } from './outcomes.js';

export interface FoundReference {
  /** FHIRPath-like location below the resource, e.g. `subject`, `diagnosis[0].condition`. */
  path: string;
  reference: string;
}

/** The target a reference names: a `urn:uuid:` placeholder or a `Type/id` key; undefined when it is not checked. */
export type ReferenceTarget = { kind: 'placeholder'; urn: string } | { kind: 'literal'; key: string; resourceType: string; id: string };

const LITERAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Every `reference` string inside a resource (Reference.reference), with where it sits. */
export function referencesIn(resource: unknown): FoundReference[] {
  const found: FoundReference[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      // Contained resources are checked with their container's references, not as writes.
      if (key === 'contained') continue;
      const at = path ? `${path}.${key}` : key;
      if (key === 'reference' && typeof child === 'string') found.push({ path: path || key, reference: child });
      else walk(child, at);
    }
  };
  walk(resource, '');
  return found;
}

/**
 * What a reference points at, for the check. Contained (`#x`), conditional (`Patient?…`)
 * and other servers' absolute URLs are left alone; this server's own absolute URLs are
 * read as the `Type/id` they end in.
 */
export function referenceTarget(reference: string, baseUrl: string): ReferenceTarget | undefined {
  if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) return { kind: 'placeholder', urn: reference };
  let relative = reference;
  if (/^https?:\/\//i.test(reference)) {
    const prefix = `${baseUrl.replace(/\/+$/, '')}/`;
    if (!reference.startsWith(prefix)) return undefined;
    relative = reference.slice(prefix.length);
  }
  const match = LITERAL.exec(relative);
  return match ? { kind: 'literal', key: `${match[1]}/${match[2]}`, resourceType: match[1]!, id: match[2]! } : undefined;
}

/** `Type/id` an entry writes, when it names one (PUT by id, or a resource with its id). */
export function entryIdentity(entry: BundleEntry | undefined): string | undefined {
  const url = entry?.request?.url?.replace(/^\/+/, '');
  if (url && !url.includes('?') && LITERAL.test(url) && entry?.request?.method === 'PUT') return url.replace(/\/_history\/.*$/, '');
  const resource = entry?.resource as Resource | undefined;
  return resource?.id && entry?.request?.method === 'PUT' ? `${resource.resourceType}/${resource.id}` : undefined;
}

export interface ResolveScope {
  /** `urn:uuid:` fullUrls that resolve (a transaction's own entries); none in a batch. */
  placeholders: ReadonlySet<string>;
  /** `Type/id` keys written by the same request. */
  written: ReadonlySet<string>;
  /** Whether the store holds this resource now. */
  isStored(resourceType: string, id: string): Promise<boolean>;
  baseUrl: string;
  /** `Bundle.entry[3].resource` or `Patient`: how the issues name the resource. */
  at: string;
  /** Why a placeholder fails, e.g. that batch entries cannot name each other. */
  placeholderHint: string;
}

/** One issue per reference that names nothing this write can see. */
export async function unresolvedReferenceIssues(resource: unknown, scope: ResolveScope): Promise<OperationOutcomeIssue[]> {
  const issues: OperationOutcomeIssue[] = [];
  for (const { path, reference } of referencesIn(resource)) {
    const target = referenceTarget(reference, scope.baseUrl);
    if (!target) continue;
    const where = `${scope.at}.${path}`;
    if (target.kind === 'placeholder') {
      if (!scope.placeholders.has(target.urn)) issues.push(issue('not-found', `Reference ${reference} does not resolve: ${scope.placeholderHint}`, where));
      continue;
    }
    if (scope.written.has(target.key) || (await scope.isStored(target.resourceType, target.id))) continue;
    issues.push(issue('not-found', `Resource ${target.key} not found, specified in path: ${where}`, where));
  }
  return issues;
}

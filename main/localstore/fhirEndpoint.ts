// One FHIR R4 endpoint (`<base>/fhir`) of the local store: its own in-memory repository,
// the medplum router for REST semantics, and what the router leaves to its host —
// validation, all-or-nothing transactions, created-vs-updated statuses, search paging
// bits and the CapabilityStatement. Requests run one at a time, which keeps a
// transaction's undo journal exact and costs nothing at test and demo volumes.
import { getStatus, isOk, parseSearchRequest } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { FhirRequest, FhirResponse, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { IncomingHttpHeaders } from 'node:http';
import { capabilityStatement } from './capability.js';
import { isKnownResourceType } from './definitions.js';
import { decorateEntry, duplicateIdentityIssues, errorEntry, failedTransaction, historyPath, is2xx } from './bundleEntries.js';
import { bundleEnvelopeIssues, isValidId, resourceIssues } from './incomingValidation.js';
import { JournalRepository } from './journalRepository.js';
import { errorOutcome, outcomeOf } from './outcomes.js';
import { PROFILE_RULES, TOO_MANY_UPDATES_TEXT, tooManyEntriesText } from './profiles.js';
import type { ServerProfile } from './profiles.js';
import { entryIdentity, unresolvedReferenceIssues } from './referenceCheck.js';
import type { ResolveScope } from './referenceCheck.js';

export interface EndpointRequest {
  method: string;
  /** Path below the base, starting with `/`: `/`, `/Patient/1`, `/metadata`. */
  path: string;
  /** Raw query string without the `?`; empty when there is none. */
  query: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, undefined when the request had none. */
  body: unknown;
}

export interface EndpointResponse {
  status: number;
  body?: Resource;
  headers: Record<string, string>;
}

type BundleKind = 'transaction' | 'batch';

export class FhirEndpoint {
  private readonly repo = new JournalRepository();
  private readonly router = new FhirRouter();
  private tail: Promise<unknown> = Promise.resolve();
  private capability: Resource | undefined;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly validate: boolean,
    private readonly startedAt: Date,
    readonly profile: ServerProfile,
  ) {}

  private get rules() {
    return PROFILE_RULES[this.profile];
  }

  handle(req: EndpointRequest): Promise<EndpointResponse> {
    return this.exclusive(() => this.dispatch(req));
  }

  countResources(resourceType: string): Promise<number> {
    return this.exclusive(async () => {
      const bundle = await this.repo.search({ resourceType, count: 0 } as SearchRequest);
      return bundle.total ?? 0;
    });
  }

  findResources(resourceType: string, query: Record<string, string | string[]> | string): Promise<Resource[]> {
    const params = typeof query === 'string' ? queryRecord(query) : query;
    return this.exclusive(() => this.repo.searchResources(parseSearchRequest(resourceType as Resource['resourceType'], params)));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async dispatch(req: EndpointRequest): Promise<EndpointResponse> {
    const method = req.method.toUpperCase();
    const segments = req.path.split('/').filter(Boolean);
    if (segments.length === 1 && segments[0] === 'metadata') {
      if (method !== 'GET') return fail(405, errorOutcome('not-supported', `${method} is not allowed on /metadata`));
      // Built once: it lists every resource type with its search parameters (~140 KB).
      this.capability ??= capabilityStatement(this.baseUrl, this.name, this.startedAt);
      return { status: 200, body: this.capability, headers: {} };
    }
    if (segments.length === 0) {
      if (method === 'POST') return this.bundle(req);
      if (method === 'GET') return this.serveSearch(req);
      return fail(405, errorOutcome('not-supported', `${method} is not allowed on the base URL`));
    }
    const resourceType = segments[0]!;
    if (!isKnownResourceType(resourceType)) {
      return fail(404, errorOutcome('not-supported', `Resource type "${resourceType}" is not supported`, resourceType));
    }
    switch (method) {
      case 'GET':
        return segments.length === 1 ? this.serveSearch(req) : this.read(req);
      case 'POST':
        if (segments.length === 2 && segments[1] === '_search') return this.serveSearch(req);
        return this.write(req, segments);
      case 'PUT':
      case 'PATCH':
      case 'DELETE':
        return this.write(req, segments);
      default:
        return fail(405, errorOutcome('not-supported', `HTTP method ${method} is not supported`));
    }
  }

  private async read(req: EndpointRequest): Promise<EndpointResponse> {
    const response = toEndpointResponse(await this.route(req.method, req.path, req.query, req.body, req.headers));
    if (response.status === 200 && response.body && response.body.resourceType !== 'Bundle') {
      Object.assign(response.headers, versionHeaders(response.body));
    }
    return response;
  }

  private async serveSearch(req: EndpointRequest): Promise<EndpointResponse> {
    const response = toEndpointResponse(await this.route(req.method, req.path, req.query, req.body, req.headers));
    const bundle = response.body;
    if (response.status !== 200 || bundle?.resourceType !== 'Bundle') return response;
    for (const entry of bundle.entry ?? []) {
      if (!entry.resource) continue;
      entry.fullUrl = `${this.baseUrl}/${entry.resource.resourceType}/${entry.resource.id}`;
      entry.search = { mode: 'match' };
    }
    // The repository always computes total; `_summary=count` asks for nothing else.
    if (new URLSearchParams(req.query).get('_summary') === 'count') delete bundle.entry;
    return response;
  }

  private async write(req: EndpointRequest, segments: string[]): Promise<EndpointResponse> {
    const method = req.method.toUpperCase();
    const id = segments[1];
    if (id !== undefined && !isValidId(id)) {
      return fail(400, errorOutcome('value', `Invalid resource id "${id}" in the URL`, segments[0]));
    }
    if ((method === 'PUT' || method === 'POST') && this.validate) {
      const issues = resourceIssues(req.body, segments[0]!);
      if (issues.length) return fail(400, outcomeOf(issues));
    }
    if ((method === 'PUT' || method === 'POST') && this.rules.checkReferences) {
      const self = id !== undefined ? new Set([`${segments[0]}/${id}`]) : new Set<string>();
      const issues = await unresolvedReferenceIssues(req.body, this.scope(new Set(), self, segments[0]!, 'a resource written on its own cannot point at a Bundle entry'));
      if (issues.length) return fail(400, outcomeOf(issues));
    }
    this.repo.begin();
    let response: EndpointResponse;
    try {
      response = toEndpointResponse(await this.route(method, req.path, req.query, req.body, req.headers));
    } catch (err) {
      await this.repo.rollback();
      throw err;
    }
    if (response.status >= 300) {
      await this.repo.rollback();
      return response;
    }
    const createdKeys = this.repo.commit();
    const stored = response.body;
    if (stored && stored.resourceType !== 'OperationOutcome' && stored.id) {
      if (method === 'PUT' && response.status === 200 && createdKeys.has(`${stored.resourceType}/${stored.id}`)) response.status = 201;
      Object.assign(response.headers, versionHeaders(stored), { Location: `${this.baseUrl}/${historyPath(stored)}` });
      if (prefersMinimal(req.headers)) delete response.body;
    }
    return response;
  }

  private async bundle(req: EndpointRequest): Promise<EndpointResponse> {
    const bundle = req.body as Bundle | undefined;
    if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle') {
      return fail(400, errorOutcome('invalid', 'Expected a Bundle of type "transaction" or "batch" at the base URL'));
    }
    if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
      return fail(400, errorOutcome('invalid', `Bundle.type must be "transaction" or "batch", got "${String(bundle.type)}"`, 'Bundle.type'));
    }
    const kind: BundleKind = bundle.type;
    const entries: BundleEntry[] = Array.isArray(bundle.entry) ? bundle.entry : [];
    const tooLarge = this.sizeRefusal(kind, entries);
    if (tooLarge) return fail(400, tooLarge);
    if (this.validate) {
      const envelope = bundleEnvelopeIssues(bundle);
      if (envelope.length) return fail(400, outcomeOf(envelope));
    }
    const entryIssues = entries.map((entry, i) => (this.validate && entry?.resource ? resourceIssues(entry.resource, `Bundle.entry[${i}].resource`) : []));
    if (kind === 'transaction') {
      const all = [...entryIssues.flat(), ...duplicateIdentityIssues(entries)];
      if (all.length === 0 && this.rules.checkReferences) all.push(...(await this.transactionReferenceIssues(entries)));
      if (all.length) return fail(400, outcomeOf(all));
    }
    const forwarded = entries.map((_, i) => i).filter((i) => entryIssues[i]!.length === 0);
    const merged: BundleEntry[] = entries.map((_, i) => errorEntry(400, outcomeOf(entryIssues[i]!)));

    this.repo.begin();
    try {
      if (kind === 'transaction' && forwarded.length > 0) {
        const sub: Bundle = { ...bundle, entry: forwarded.map((i) => entries[i]!) };
        const [outcome, result] = await this.route('POST', '/', '', sub, req.headers);
        if (!isOk(outcome)) {
          await this.repo.rollback();
          return fail(getStatus(outcome), outcome);
        }
        const results = (result as Bundle).entry ?? [];
        forwarded.forEach((original, k) => {
          merged[original] = results[k] ?? errorEntry(500, errorOutcome('exception', 'No result for this entry'));
        });
      }
      if (kind === 'batch') {
        // Entries are independent: each is processed on its own, in order, and sees only
        // what was stored before it (earlier entries of this batch included).
        for (const i of forwarded) merged[i] = await this.batchEntry(bundle, entries[i]!, i, req.headers);
      }
      if (kind === 'transaction') {
        const failedAt = merged.findIndex((e) => !is2xx(e.response?.status));
        if (failedAt >= 0) {
          await this.repo.rollback();
          const failure = failedTransaction(merged[failedAt]!, failedAt);
          return fail(failure.status, failure.outcome);
        }
      }
    } catch (err) {
      await this.repo.rollback();
      throw err;
    }
    const createdKeys = this.repo.commit();
    const minimal = prefersMinimal(req.headers);
    merged.forEach((entry, i) => decorateEntry(entry, entries[i]!, createdKeys, minimal));
    return { status: 200, body: { resourceType: 'Bundle', type: `${kind}-response`, entry: merged }, headers: {} };
  }

  /** The profile's size limit, checked before anything else as the real servers do. */
  private sizeRefusal(kind: BundleKind, entries: BundleEntry[]): OperationOutcome | undefined {
    const { maxBundleEntries, maxTransactionUpdates } = this.rules;
    if (maxBundleEntries !== undefined && entries.length > maxBundleEntries) {
      return errorOutcome('too-costly', tooManyEntriesText(maxBundleEntries));
    }
    if (kind === 'transaction' && maxTransactionUpdates !== undefined) {
      const updates = entries.filter((e) => e?.request?.method === 'PUT').length;
      if (updates > maxTransactionUpdates) return errorOutcome('invalid', TOO_MANY_UPDATES_TEXT);
    }
    return undefined;
  }

  private scope(placeholders: Set<string>, written: Set<string>, at: string, placeholderHint: string): ResolveScope {
    return { placeholders, written, at, placeholderHint, baseUrl: this.baseUrl, isStored: (type, id) => this.repo.exists(type, id) };
  }

  /** Every entry's references must name an entry of this transaction or a stored resource. */
  private async transactionReferenceIssues(entries: BundleEntry[]) {
    const placeholders = new Set(entries.map((e) => e?.fullUrl).filter((u): u is string => typeof u === 'string' && u.startsWith('urn:')));
    const written = new Set(entries.map(entryIdentity).filter((k): k is string => k !== undefined));
    const issues = [];
    for (const [i, entry] of entries.entries()) {
      if (!entry?.resource) continue;
      const scope = this.scope(placeholders, written, `Bundle.entry[${i}].resource`, 'no entry of this transaction has that fullUrl');
      issues.push(...(await unresolvedReferenceIssues(entry.resource, scope)));
    }
    return issues;
  }

  private async batchEntry(bundle: Bundle, entry: BundleEntry, index: number, headers: IncomingHttpHeaders): Promise<BundleEntry> {
    if (this.rules.checkReferences && entry.resource) {
      const scope = this.scope(new Set(), new Set(), `Bundle.entry[${index}].resource`, 'batch entries are independent and cannot point at each other by fullUrl');
      const issues = await unresolvedReferenceIssues(entry.resource, scope);
      if (issues.length) return errorEntry(400, outcomeOf(issues));
    }
    const [outcome, result] = await this.route('POST', '/', '', { ...bundle, entry: [entry] }, headers);
    if (!isOk(outcome)) return errorEntry(getStatus(outcome), outcome);
    return (result as Bundle).entry?.[0] ?? errorEntry(500, errorOutcome('exception', 'No result for this entry'));
  }

  private route(method: string, path: string, query: string, body: unknown, headers: IncomingHttpHeaders): Promise<FhirResponse> {
    const request: FhirRequest = {
      method: method as HttpMethod,
      url: query ? `${path}?${query}` : path,
      // The router fills pathname itself and refuses requests that already carry one.
      pathname: '',
      body,
      params: {},
      query: {},
      headers,
      // Transactions are made atomic by this endpoint (see JournalRepository), so the
      // router runs every Bundle in batch mode, which has no size caps.
      config: { transactions: false },
    };
    return this.router.handleRequest(request, this.repo);
  }
}

function fail(status: number, outcome: OperationOutcome): EndpointResponse {
  return { status, body: outcome, headers: {} };
}

function toEndpointResponse([outcome, resource]: FhirResponse): EndpointResponse {
  const status = getStatus(outcome);
  if (!isOk(outcome)) return fail(status, outcome);
  return { status, body: resource ?? outcome, headers: {} };
}

function versionHeaders(resource: Resource): Record<string, string> {
  const headers: Record<string, string> = {};
  if (resource.meta?.versionId) headers.ETag = `W/"${resource.meta.versionId}"`;
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  return headers;
}

/** `a=1&a=2&b=3` → `{ a: ['1', '2'], b: '3' }`, the shape parseSearchRequest takes. */
function queryRecord(query: string): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = record[key];
    record[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return record;
}

function prefersMinimal(headers: IncomingHttpHeaders): boolean {
  return /\breturn=minimal\b/.test(String(headers.prefer ?? ''));
}

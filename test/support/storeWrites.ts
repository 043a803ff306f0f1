// How many times the FHIR store wrote each resource, read from the store itself over HTTP
// (`GET <base>/<Type>/<id>/_history`: one version per accepted write), so that a delivery test
// checks at-least-once delivery against the receiving end rather than the agent's own ledger.
import type { Resource } from '@medplum/fhirtypes';
import type { LocalFhirStore } from '../../main/localstore/fhirStore.js';

export interface ResourceWrites {
  id: string;
  /** Versions in the store's history of this resource. */
  writes: number;
  resource: Resource;
}

async function historyLength(baseUrl: string, resourceType: string, id: string): Promise<number> {
  const res = await fetch(`${baseUrl}/${resourceType}/${id}/_history?_count=1000`, { headers: { accept: 'application/fhir+json' } });
  if (res.status !== 200) throw new Error(`GET ${resourceType}/${id}/_history answered ${res.status}`);
  const bundle = (await res.json()) as { entry?: unknown[] };
  return bundle.entry?.length ?? 0;
}

/** Every resource of one type in one base, with its write count; a few requests at a time. */
export async function writesPerResource(fhir: LocalFhirStore, base: string, resourceType: string, parallel = 8): Promise<ResourceWrites[]> {
  const resources = await fhir.search(base, resourceType, { _count: '100000' });
  const out: ResourceWrites[] = [];
  for (let i = 0; i < resources.length; i += parallel) {
    const slice = resources.slice(i, i + parallel);
    const counts = await Promise.all(slice.map((r) => historyLength(fhir.baseUrl(base), resourceType, r.id!)));
    slice.forEach((r, k) => out.push({ id: r.id!, writes: counts[k]!, resource: r }));
  }
  return out;
}

/** Transactions the store accepted (POST to the base answered 2xx), from its request log. */
export const acceptedTransactions = (fhir: LocalFhirStore, base: string): number =>
  fhir.requestLog(base).filter((e) => e.method === 'POST' && (e.path === '/' || e.path === '') && e.status >= 200 && e.status < 300 && !e.fault).length;

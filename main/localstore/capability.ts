// The CapabilityStatement served at `<base>/metadata`. Clients read it to check that a
// destination supports what their delivery mode needs (DESIGN §6), so it lists exactly
// what this store does and nothing more.
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import { knownResourceTypes } from './definitions.js';

const RESOURCE_INTERACTIONS: CapabilityStatementRestResource['interaction'] = [
  { code: 'read' },
  { code: 'vread' },
  { code: 'update' },
  { code: 'create' },
  { code: 'delete' },
  { code: 'search-type' },
  { code: 'history-instance' },
];

export function capabilityStatement(baseUrl: string, name: string, startedAt: Date): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: startedAt.toISOString(),
    kind: 'instance',
    name: `LocalFhirStore_${name.replace(/[^A-Za-z0-9_]/g, '_')}`,
    title: `vhr-agent local FHIR store (${name})`,
    description: 'In-memory FHIR R4 store on loopback: stands in for a provincial or ministry store in demo mode and tests.',
    software: { name: 'vhr-agent local FHIR store' },
    implementation: { description: `Local store "${name}"`, url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: knownResourceTypes().map((type) => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: RESOURCE_INTERACTIONS,
          versioning: 'versioned',
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          searchParam: searchParamsOf(type),
        })),
      },
    ],
  };
}

/** The type's R4 search parameters (the in-memory search evaluates them all by FHIRPath). */
function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  return Object.values(getSearchParameters(type) ?? {})
    .filter((p) => p.code && p.type)
    .map((p) => ({ name: p.code as string, type: p.type as CapabilityStatementRestResourceSearchParam['type'] }));
}

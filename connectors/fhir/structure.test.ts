import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureR4DefinitionsLoaded } from './r4Definitions.js';
import { checkStructure, toFhirPath } from './structure.js';

const check = (r: unknown) => checkStructure(r as Resource);

beforeAll(() => ensureR4DefinitionsLoaded());

describe('structural check from the R4 JSON schema', () => {
  it('turns JSON pointers into FHIRPath-like paths', () => {
    expect(toFhirPath('Bundle', '/entry/3/resource/name/0/given/1')).toBe('Bundle.entry[3].resource.name[0].given[1]');
    expect(toFhirPath('Patient', '')).toBe('Patient');
  });

  it('accepts a valid resource, and a required primitive sent only as its extension', () => {
    expect(check({ resourceType: 'Patient', gender: 'female', birthDate: '1980-02' })).toEqual([]);
    expect(check({ resourceType: 'Observation', _status: { extension: [{ url: 'http://x', valueString: 'y' }] }, code: { text: 'x' } })).toEqual([]);
  });

  it('reports unknown elements, including @medplum additions that base R4 lacks', () => {
    expect(check({ resourceType: 'Patient', foo: 1, managingOrganization: { resource: { resourceType: 'Organization' } } })).toEqual([
      { severity: 'error', path: 'Patient.foo', message: 'Invalid additional property "foo"' },
      { severity: 'error', path: 'Patient.managingOrganization.resource', message: 'Invalid additional property "resource"' },
    ]);
  });

  it('reports missing required elements, primitive or complex', () => {
    const paths = check({ resourceType: 'Observation' }).map((i) => [i.path, i.message]);
    expect(paths).toEqual(expect.arrayContaining([['Observation.status', 'Missing required property'], ['Observation.code', 'Missing required property']]));
  });

  it('reports wrong JSON types, arrays for single values, empty values and bad formats', () => {
    const issues = check({
      resourceType: 'Observation',
      status: 'final',
      code: [{ text: 'x' }],
      subject: 'Patient/1',
      effectiveDateTime: '2026-01-01T10:00',
      identifier: [],
      note: [{}],
      valueInteger: 1.5,
    });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'Observation.code: Invalid JSON type: expected object',
        'Observation.subject: Invalid JSON type: expected object',
        'Observation.effectiveDateTime: Invalid dateTime format',
        'Observation.identifier: Invalid empty value',
        'Observation.note[0]: Invalid empty value',
        'Observation.valueInteger: Invalid JSON type: expected integer',
      ]),
    );
  });

  it('refuses whitespace-only strings and control characters the schema pattern alone lets through', () => {
    expect(check({ resourceType: 'Patient', name: [{ text: '  ' }] })[0]?.message).toBe('String must contain non-whitespace content');
    expect(check({ resourceType: 'Patient', name: [{ text: 'a\u0001' }] })[0]?.message).toBe('Invalid string format');
  });

  it('validates nested resources as their own type, with their paths', () => {
    const issues = check({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }, { resource: { resourceType: 'Nonsense' } }],
    });
    expect(issues.map((i) => i.path)).toEqual(['Bundle.entry[0].resource.gender', 'Bundle.entry[1].resource']);
    expect(issues[1]!.message).toBe('Unknown resource type "Nonsense"');
  });

  it('reports a missing or unknown resourceType', () => {
    expect(check({})[0]!.message).toBe('Missing resource type');
    expect(check({ resourceType: 'Project' })[0]!.message).toBe('Unknown resource type "Project"');
  });
});

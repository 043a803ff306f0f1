import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureR4DefinitionsLoaded, hasErrors, validateR4 } from './validator.js';

const v = (r: unknown) => validateR4(r as Resource);
const patient = { resourceType: 'Patient', id: 'p1', gender: 'female' };

beforeAll(() => ensureR4DefinitionsLoaded());

describe('validateR4', () => {
  it('finds nothing wrong with a valid transaction', () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:1', resource: patient, request: { method: 'PUT', url: 'Patient/p1' } }] };
    expect(v(bundle)).toEqual([]);
  });

  it('checks FHIRPath invariants, on nested resources and entries too', () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:1', resource: patient }] };
    expect(v(bundle)).toEqual([expect.objectContaining({ severity: 'error', path: 'Bundle', message: expect.stringContaining('bdl-3') })]);
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a', dataAbsentReason: { text: 'n' } };
    expect(v({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: obs }] })).toEqual([
      expect.objectContaining({ path: 'Bundle.entry[0].resource', message: expect.stringContaining('obs-6') }),
    ]);
    expect(v({ ...patient, extension: [{ url: 'http://x' }] })).toEqual([expect.objectContaining({ path: 'Patient.extension[0]', message: expect.stringContaining('ext-1') })]);
  });

  it('checks codes of required bindings on CodeableConcept, which the schema leaves open', () => {
    const condition = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'bogus' }] },
    };
    expect(v(condition)).toEqual([expect.objectContaining({ path: 'Condition.clinicalStatus.coding', message: expect.stringContaining('condition-clinical') })]);
    condition.clinicalStatus.coding[0]!.code = 'active';
    expect(v(condition)).toEqual([]);
  });

  it('reports a code the schema enum refuses once, not again as a binding', () => {
    const issues = v({ ...patient, gender: 'x' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('Patient.gender');
  });

  it('hasErrors ignores warnings', () => {
    expect(hasErrors([{ severity: 'warning', path: 'x', message: 'y' }])).toBe(false);
    expect(hasErrors([{ severity: 'error', path: 'x', message: 'y' }])).toBe(true);
  });
});

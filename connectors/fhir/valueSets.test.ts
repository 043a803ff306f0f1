import { describe, expect, it } from 'vitest';
import { expandValueSet } from './valueSets.js';

describe('R4 value set expansion', () => {
  it('expands a value set that includes a whole code system, version suffix allowed', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/condition-clinical|4.0.1')!;
    expect([...vs.get('http://terminology.hl7.org/CodeSystem/condition-clinical')!]).toEqual(
      expect.arrayContaining(['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved']),
    );
  });

  it('expands a code system with nested concepts (the children count too)', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/observation-status')!;
    expect(vs.get('http://hl7.org/fhir/observation-status')?.has('corrected')).toBe(true);
  });

  it('declines value sets that need a terminology server', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes')).toBeNull();
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/ucum-units')).toBeNull();
    expect(expandValueSet('http://example.org/unknown')).toBeNull();
  });
});

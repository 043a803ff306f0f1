import { evalFhirPathTyped, getDataType, toTypedValue, type TypedValue } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHORTCUTS } from './invariantShortcuts.js';
import { ensureR4DefinitionsLoaded } from './r4Definitions.js';

type Json = Record<string, unknown>;

/** The FHIRPath expression of an invariant, from the R4 definitions. */
function expressionOf(key: string, type: string, element?: string): string {
  const schema = getDataType(type);
  const list = element ? schema.elements[element]!.constraints : schema.constraints;
  return list!.find((c) => c.key === key)!.expression;
}

function fhirPathHolds(expression: string, context: TypedValue, resource: Json): boolean {
  const r = toTypedValue(resource);
  const out = evalFhirPathTyped(expression, [context], { '%context': context, '%resource': r, '%rootResource': r, '%ucum': toTypedValue('http://unitsofmeasure.org') });
  return out.length === 1 && out[0]!.value === true;
}

const entry = (fullUrl: string, extra: Json = {}): Json => ({ fullUrl, resource: { resourceType: 'Patient', id: 'p' }, ...extra });
const bundles: Json[] = [
  { resourceType: 'Bundle', type: 'transaction', entry: [entry('urn:a', { request: { method: 'PUT', url: 'Patient/p' } })] },
  { resourceType: 'Bundle', type: 'transaction', entry: [entry('urn:a')] },
  { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:a', { request: { method: 'PUT', url: 'x' } })] },
  { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:a'), entry('urn:a')] },
  { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:ab'), { fullUrl: 'urn:a', resource: { resourceType: 'Patient', meta: { versionId: 'b' } } }] },
  { resourceType: 'Bundle', type: 'history', entry: [entry('urn:a'), entry('urn:a')] },
  { resourceType: 'Bundle', type: 'batch-response', entry: [entry('urn:a', { response: { status: '200' } })] },
  { resourceType: 'Bundle', type: 'document', entry: [entry('urn:a')] },
  { resourceType: 'Bundle', type: 'message', entry: [entry('http://x/Patient/1/_history/1')] },
  { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [entry('urn:a', { search: { mode: 'match' } })] },
  { resourceType: 'Bundle', type: 'collection' },
];
const extensions: Json[] = [
  { url: 'x', valueString: 'a' },
  { url: 'x', extension: [{ url: 'y', valueBoolean: true }] },
  { url: 'x', valueString: 'a', extension: [{ url: 'y', valueBoolean: true }] },
  { url: 'x' },
  { url: 'x', _valueCode: { extension: [{ url: 'y', valueBoolean: true }] } },
];
const observations: Json[] = [
  { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a' },
  { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a', dataAbsentReason: { text: 'n' } },
  { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 's', code: 'c' }] }, valueString: 'a', component: [{ code: { coding: [{ system: 's', code: 'c' }] } }] },
  { resourceType: 'Observation', status: 'final', code: { text: 'x' }, contained: [{ resourceType: 'Patient', contained: [{ resourceType: 'Patient' }], meta: { versionId: '1' } }] },
];
const conditions: Json[] = [
  { resourceType: 'Condition', subject: { reference: 'Patient/1' }, abatementString: 'x', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } },
  { resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: { text: 'x' }, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } },
  { resourceType: 'Condition', subject: { reference: 'Patient/1' } },
];
const serviceRequests: Json[] = [
  { resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, orderDetail: [{ text: 'x' }] },
  { resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' } },
];

beforeAll(() => ensureR4DefinitionsLoaded());

describe('invariant shortcuts', () => {
  /** [invariant, where it sits (type, element), samples as (context, resource)] */
  const cases: [string, string, string | undefined, [Json, Json][]][] = [
    ['ext-1', 'Patient', 'extension', extensions.map((e) => [e, { resourceType: 'Patient' }])],
    ...(['bdl-1', 'bdl-2', 'bdl-3', 'bdl-4', 'bdl-7', 'bdl-9', 'bdl-10', 'bdl-11', 'bdl-12'].map((k) => [k, 'Bundle', undefined, bundles.map((b) => [b, b])]) as [string, string, undefined, [Json, Json][]][]),
    ...(['bdl-5', 'bdl-8'].map((k) => [k, 'Bundle', 'entry', bundles.flatMap((b) => ((b.entry as Json[] | undefined) ?? []).map((e) => [e, b]))]) as [string, string, string, [Json, Json][]][]),
    ...(['dom-2', 'dom-4', 'dom-5', 'obs-6', 'obs-7'].map((k) => [k, 'Observation', undefined, observations.map((o) => [o, o])]) as [string, string, undefined, [Json, Json][]][]),
    ...(['con-4', 'con-5'].map((k) => [k, 'Condition', undefined, conditions.map((c) => [c, c])]) as [string, string, undefined, [Json, Json][]][]),
    ['prr-1', 'ServiceRequest', undefined, serviceRequests.map((s) => [s, s])],
  ];

  it('covers every shortcut', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(Object.keys(SHORTCUTS)));
  });

  it.each(cases)('%s: never says "holds" where the FHIRPath expression fails, and does hold on a valid sample', (key, type, element, samples) => {
    const expression = expressionOf(key, type, element);
    const contextType = element === 'entry' ? 'BundleEntry' : element === 'extension' ? 'Extension' : type;
    let shortcutHeld = 0;
    for (const [value, resource] of samples) {
      if (!SHORTCUTS[key]!(value)) continue;
      shortcutHeld++;
      expect(fhirPathHolds(expression, { type: contextType, value }, resource), `${key} on ${JSON.stringify(value)}`).toBe(true);
    }
    expect(shortcutHeld).toBeGreaterThan(0);
  });

  it('leaves every violation to FHIRPath', () => {
    expect(SHORTCUTS['ext-1']!({ url: 'x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] })).toBe(false);
    expect(SHORTCUTS['bdl-3']!(bundles[1]!)).toBe(false);
    expect(SHORTCUTS['bdl-7']!(bundles[3]!)).toBe(false);
    expect(SHORTCUTS['obs-6']!(observations[1]!)).toBe(false);
  });
});

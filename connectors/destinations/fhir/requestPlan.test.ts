import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dependencyOrder } from './dependencyOrder.js';
import { planRequests } from './requestPlan.js';
import type { RequestPart } from './requestPlan.js';

const put = (resource: Resource): BundleEntry => ({ fullUrl: `urn:uuid:${resource.id}`, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
const ref = (id: string) => ({ reference: `urn:uuid:${id}` });

/**
 * A record shaped like the converters' output, shuffled so that the Bundle's order is
 * not the dependency order: Observations first, the Encounter and its Conditions pointing
 * at each other, the Organization last.
 */
function record(observations = 3): Bundle {
  const entries: Resource[] = [];
  for (let i = 1; i <= observations; i++) {
    entries.push({ resourceType: 'Observation', id: `obs-${i}`, status: 'final', code: { text: 'x' }, subject: ref('pat'), encounter: ref('enc') } as Resource);
  }
  entries.push(
    { resourceType: 'Condition', id: 'cond-1', subject: ref('pat'), encounter: ref('enc') } as Resource,
    { resourceType: 'Encounter', id: 'enc', status: 'finished', class: { code: 'AMB' }, subject: ref('pat'), diagnosis: [{ condition: ref('cond-1') }, { condition: ref('cond-2') }] } as Resource,
    { resourceType: 'Condition', id: 'cond-2', subject: ref('pat'), encounter: ref('enc') } as Resource,
    { resourceType: 'Patient', id: 'pat', managingOrganization: ref('org') } as Resource,
    { resourceType: 'Coverage', id: 'cov', status: 'active', beneficiary: ref('pat'), payor: [ref('org')] } as Resource,
    { resourceType: 'Organization', id: 'org', name: 'BV' } as Resource,
  );
  return { resourceType: 'Bundle', id: 'rec-1', type: 'transaction', entry: entries.map(put) };
}

const keyOf = (e: BundleEntry) => `${e.resource!.resourceType}/${e.resource!.id}`;
const keys = (part: RequestPart) => part.bundle.entry!.map(keyOf);

function referencesOf(entry: BundleEntry): string[] {
  const out: string[] = [];
  JSON.stringify(entry.resource, (k, v) => (k === 'reference' && typeof v === 'string' ? (out.push(v), v) : v));
  return out;
}

/**
 * Replays the parts in order, as a store that checks references would take them: a
 * transaction sees what is stored and its own entries (by fullUrl or Type/id); a batch
 * entry sees only what is stored, earlier entries of the batch included.
 */
function unresolved(parts: RequestPart[]): string[] {
  const stored = new Set<string>();
  const problems: string[] = [];
  for (const [p, part] of parts.entries()) {
    const entries = part.bundle.entry!;
    const own = new Set(part.bundle.type === 'transaction' ? entries.flatMap((e) => [e.fullUrl!, keyOf(e)]) : []);
    for (const entry of entries) {
      for (const r of referencesOf(entry)) if (!stored.has(r) && !own.has(r)) problems.push(`part ${p + 1}: ${keyOf(entry)} → ${r}`);
      if (part.bundle.type === 'batch') stored.add(keyOf(entry));
    }
    for (const entry of entries) stored.add(keyOf(entry));
  }
  return problems;
}

describe('dependency order of a record', () => {
  it('puts what is pointed at first, the cycle as one group, ties by the usual type order', () => {
    const groups = dependencyOrder(record(2).entry!);
    const named = groups.map((g) => g.entries.map((i) => keyOf(record(2).entry![i]!)));
    expect(named).toEqual([['Organization/org'], ['Patient/pat'], ['Coverage/cov'], ['Encounter/enc', 'Condition/cond-1', 'Condition/cond-2'], ['Observation/obs-1'], ['Observation/obs-2']]);
    expect(groups.map((g) => g.cyclic)).toEqual([false, false, false, true, false, false]);
  });

  it('follows the references when they go against the usual type order', () => {
    // A Patient that the Organization points at (Organization.contact is not a Reference, so use an extension).
    const entries = [
      put({ resourceType: 'Organization', id: 'org', extension: [{ url: 'http://example.org/founder', valueReference: { reference: 'Patient/pat' } }] } as Resource),
      put({ resourceType: 'Patient', id: 'pat' } as Resource),
      put({ resourceType: 'Location', id: 'loc', managingOrganization: { reference: 'Organization/org' } } as Resource),
    ];
    expect(dependencyOrder(entries).map((g) => keyOf(entries[g.entries[0]!]!))).toEqual(['Patient/pat', 'Organization/org', 'Location/loc']);
  });
});

describe('planRequests: transactions', () => {
  it('sends a record within the limit, or with no limit, as it is, in one request', () => {
    const bundle = record(3);
    for (const maxEntriesPerRequest of [undefined, 9, 500]) {
      const plan = planRequests(bundle, { mode: 'transaction', ...(maxEntriesPerRequest ? { maxEntriesPerRequest } : {}) });
      expect(plan.ok && plan.parts.length === 1 && plan.parts[0]!.bundle).toBe(bundle);
    }
  });

  it('splits a larger record into transactions within the limit, in dependency order, with literal references across parts', () => {
    const bundle = record(12);
    const before = structuredClone(bundle);
    const plan = planRequests(bundle, { mode: 'transaction', maxEntriesPerRequest: 5 });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.parts.map(keys)).toEqual([
      ['Organization/org', 'Patient/pat', 'Coverage/cov'],
      ['Encounter/enc', 'Condition/cond-1', 'Condition/cond-2', 'Observation/obs-1', 'Observation/obs-2'],
      ['Observation/obs-3', 'Observation/obs-4', 'Observation/obs-5', 'Observation/obs-6', 'Observation/obs-7'],
      ['Observation/obs-8', 'Observation/obs-9', 'Observation/obs-10', 'Observation/obs-11', 'Observation/obs-12'],
    ]);
    expect(plan.parts.every((p) => p.bundle.type === 'transaction' && p.bundle.id === 'rec-1')).toBe(true);
    // Every entry exactly once, mapped back to where it was in the record.
    expect(plan.parts.flatMap((p) => p.entryIndexes).sort((a, b) => a - b)).toEqual(bundle.entry!.map((_, i) => i));
    for (const part of plan.parts) part.entryIndexes.forEach((i, k) => expect(keyOf(part.bundle.entry![k]!)).toBe(keyOf(bundle.entry![i]!)));
    // Within its part an entry keeps the fullUrl reference; across parts it is literal.
    const encounter = plan.parts[1]!.bundle.entry![0]!.resource as Resource & { subject: { reference: string }; diagnosis: { condition: { reference: string } }[] };
    expect(encounter.subject.reference).toBe('Patient/pat');
    expect(encounter.diagnosis.map((d) => d.condition.reference)).toEqual(['urn:uuid:cond-1', 'urn:uuid:cond-2']);
    expect(referencesOf(plan.parts[2]!.bundle.entry![0]!)).toEqual(['Patient/pat', 'Encounter/enc']);
    expect(unresolved(plan.parts)).toEqual([]);
    expect(bundle).toEqual(before);
  });

  it('refuses to split entries that point at each other in a cycle larger than the limit', () => {
    const plan = planRequests(record(3), { mode: 'transaction', maxEntriesPerRequest: 2 });
    expect(plan).toMatchObject({ ok: false, code: 'CYCLE_OVER_LIMIT' });
    expect(!plan.ok && plan.message).toBe('3 entries point at each other in a cycle and must go in one transaction, but the store takes at most 2 entries per request');
  });

  it('refuses a limit that is not a whole number from 1', () => {
    expect(planRequests(record(1), { mode: 'transaction', maxEntriesPerRequest: 0 })).toMatchObject({ ok: false, code: 'BAD_LIMIT' });
  });

  it('refuses to split when a referenced entry has no Type/id to point at from another request', () => {
    const bundle = record(4);
    const patient = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!;
    patient.request = { method: 'POST', url: 'Patient' };
    delete patient.resource!.id;
    const plan = planRequests(bundle, { mode: 'transaction', maxEntriesPerRequest: 5 });
    expect(plan).toMatchObject({ ok: false, code: 'NO_LITERAL_IDENTITY' });
  });
});

describe('planRequests: batches', () => {
  it('orders entries after what they point at, references literal, a cycle as its own transaction', () => {
    const bundle = record(4);
    const plan = planRequests(bundle, { mode: 'batch' });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.parts.map((p) => [p.bundle.type, keys(p)])).toEqual([
      ['batch', ['Organization/org', 'Patient/pat', 'Coverage/cov']],
      ['transaction', ['Encounter/enc', 'Condition/cond-1', 'Condition/cond-2']],
      ['batch', ['Observation/obs-1', 'Observation/obs-2', 'Observation/obs-3', 'Observation/obs-4']],
    ]);
    const batchRefs = plan.parts.filter((p) => p.bundle.type === 'batch').flatMap((p) => p.bundle.entry!.flatMap(referencesOf));
    expect(batchRefs.filter((r) => r.startsWith('urn:'))).toEqual([]);
    expect(unresolved(plan.parts)).toEqual([]);
  });

  it('keeps batches within the limit', () => {
    const plan = planRequests(record(10), { mode: 'batch', maxEntriesPerRequest: 4 });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.parts.map((p) => p.bundle.entry!.length)).toEqual([3, 3, 4, 4, 2]);
    expect(unresolved(plan.parts)).toEqual([]);
  });
});

// Differential test: the fast validator against @medplum's validateResource, the validator
// the agent used before. Corpus: valid bundles from the claim generator and the HL7v2
// samples, and hundreds of seeded mutations of their resources (wrong types, unknown
// elements, bad formats, missing required elements, codes outside required value sets,
// empty values, broken invariants). Every input @medplum refuses must be refused here too.
// The corpus and the mutations are seeded, so the figures are pinned: a change in either
// validator (or in the corpus) shows up as a changed count, to be read and re-pinned.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertHl7v2Message } from '../formats/hl7v2/convert.js';
import { convertClaimRecord } from '../formats/xml130/convert.js';
import { generateStoredRecords } from '../../tools/claimXml/generate.js';
import { defaultProfilePack } from '../profile-pack/index.js';
import { validateWithMedplum } from './medplumValidator.js';
import { ensureR4DefinitionsLoaded, validateR4 } from './validator.js';
import { seededRandom } from '../../main/util/seededRandom.js';
import { readSharedSample, sharedSampleNames } from '../../test/support/sharedSamples.js';

type Json = Record<string, unknown>;
const ctx = { facilityCode: '94170', now: new Date('2026-04-01T00:00:00Z'), profilePack: defaultProfilePack() };

function corpus(): Bundle[] {
  const claims = generateStoredRecords({ records: 6, seed: 11, lines: 12 }).map((x) => convertClaimRecord(x, ctx));
  const hl7 = sharedSampleNames('hl7v2').map((f) => convertHl7v2Message(readSharedSample('hl7v2', f), ctx));
  return [...claims, ...hl7].flatMap((o) => (o.ok ? [o.bundle] : []));
}

const prng = seededRandom;
/** 6 generated claim records and the 16 of the 19 HL7v2 samples (../shared/samples/hl7v2) that convert. */
const CORPUS_BUNDLES = 25;

/** Every (object, key) in a JSON tree, for picking a place to mutate. */
function slots(node: unknown, out: [Json, string][] = []): [Json, string][] {
  if (Array.isArray(node)) node.forEach((n) => slots(n, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k !== 'resourceType') out.push([node as Json, k]);
      slots(v, out);
    }
  }
  return out;
}

type Mutation = { name: string; apply: (r: Json, pick: <T>(xs: T[]) => T) => boolean };

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const MUTATIONS: Mutation[] = [
  { name: 'unknown element', apply: (r, pick) => ((([o]) => (o.fooBar = 'x'))(pick(slots(r))), true) },
  { name: 'string → number', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'string'); if (!s.length) return false; const [o, k] = pick(s); o[k] = 42; return true; } },
  { name: 'object → string', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => isPlainObject(o[k])); if (!s.length) return false; const [o, k] = pick(s); o[k] = 'text'; return true; } },
  { name: 'array → single', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => Array.isArray(o[k])); if (!s.length) return false; const [o, k] = pick(s); o[k] = (o[k] as unknown[])[0]; return true; } },
  { name: 'single → array', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => isPlainObject(o[k]) || typeof o[k] === 'string'); if (!s.length) return false; const [o, k] = pick(s); o[k] = [o[k]]; return true; } },
  { name: 'bad date', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'string' && /^\d{4}-\d{2}/.test(o[k] as string)); if (!s.length) return false; const [o, k] = pick(s); o[k] = pick(['2026-13-01', '2026-02-30T25:00:00+07:00', '26-01-01', '2026-01-01T10:00']); return true; } },
  { name: 'empty string', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'string'); if (!s.length) return false; const [o, k] = pick(s); o[k] = pick(['', '   ']); return true; } },
  { name: 'empty array/object', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'object'); if (!s.length) return false; const [o, k] = pick(s); o[k] = Array.isArray(o[k]) ? [] : {}; return true; } },
  { name: 'null value', apply: (r, pick) => { const [o, k] = pick(slots(r)); o[k] = null; return true; } },
  { name: 'delete element', apply: (r, pick) => { const [o, k] = pick(slots(r)); delete o[k]; return true; } },
  { name: 'delete required', apply: (r, pick) => { const keys = ['status', 'intent', 'code', 'url', 'system', 'class', 'subject', 'patient', 'type', 'use', 'provider', 'insurance', 'priority', 'created', 'sequence', 'content', 'attachment', 'beneficiary', 'payor', 'focal', 'coverage', 'method']; const s = slots(r).filter(([, k]) => keys.includes(k)); if (!s.length) return false; const [o, k] = pick(s); delete o[k]; return true; } },
  { name: 'bad code', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => ['status', 'use', 'gender', 'intent', 'code', 'system', 'mode', 'comparator'].includes(k) && typeof o[k] === 'string'); if (!s.length) return false; const [o, k] = pick(s); o[k] = 'bogus-code'; return true; } },
  { name: 'negative/fractional integer', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'number'); if (!s.length) return false; const [o, k] = pick(s); o[k] = pick([-1, 0, 1.5, Number.NaN]); return true; } },
  { name: 'control character', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => typeof o[k] === 'string'); if (!s.length) return false; const [o, k] = pick(s); o[k] = `${o[k] as string}\u0001`; return true; } },
  { name: 'ext-1: value and extension', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => k === 'url' && Object.keys(o).some((x) => x.startsWith('value'))); if (!s.length) return false; const [o] = pick(s); o.extension = [{ url: 'x', valueString: 'y' }]; return true; } },
  { name: 'ext-1: neither', apply: (r, pick) => { const s = slots(r).filter(([o, k]) => k === 'url' && Object.keys(o).some((x) => x.startsWith('value'))); if (!s.length) return false; const [o] = pick(s); for (const k of Object.keys(o)) if (k.startsWith('value')) delete o[k]; return true; } },
  { name: 'obs-6: value and dataAbsentReason', apply: (r) => { if (r.resourceType !== 'Observation' || !Object.keys(r).some((k) => k.startsWith('value'))) return false; r.dataAbsentReason = { text: 'unknown' }; return true; } },
  { name: 'choice type twice', apply: (r) => { const k = Object.keys(r).find((x) => /^(effective|value|medication|performed|onset|deceased)[A-Z]/.test(x)); if (!k) return false; const stem = /^[a-z]+/.exec(k)![0]; r[`${stem}String`] = 'also'; return true; } },
  { name: 'required-binding CodeableConcept', apply: (r) => { if (r.resourceType !== 'Condition') return false; r.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'bogus' }] }; return true; } },
];

const BUNDLE_MUTATIONS: Mutation[] = [
  { name: 'bdl-3: entry without request', apply: (b, pick) => { const e = pick(b.entry as Json[]); delete e.request; return true; } },
  { name: 'bdl-7: duplicate fullUrl', apply: (b) => { const es = b.entry as Json[]; if (es.length < 2) return false; es[1]!.fullUrl = es[0]!.fullUrl; return true; } },
  { name: 'bdl-8: history fullUrl', apply: (b, pick) => { const e = pick(b.entry as Json[]); e.fullUrl = 'http://x/Patient/1/_history/2'; return true; } },
  { name: 'bad Bundle.type', apply: (b) => ((b.type = 'bogus'), true) },
  { name: 'no Bundle.type', apply: (b) => (delete b.type, true) },
  { name: 'unknown resource type', apply: (b, pick) => ((pick(b.entry as Json[]).resource = { resourceType: 'Nonsense' }), true) },
  { name: 'bad request method', apply: (b, pick) => { const e = pick(b.entry as Json[]); if (!isPlainObject(e.request)) return false; e.request.method = 'FETCH'; return true; } },
  { name: 'entry resource mutated', apply: (b, pick) => { const e = pick(b.entry as Json[]); return pick(MUTATIONS).apply(e.resource as Json, pick); } },
];

interface Outcome {
  mutation: string;
  medplum: boolean;
  fast: boolean;
  detail: string;
}

function judge(name: string, r: Json, out: Outcome[]): void {
  const m = validateWithMedplum(r as unknown as Resource).filter((i) => i.severity === 'error');
  const f = validateR4(r as unknown as Resource).filter((i) => i.severity === 'error');
  const detail = JSON.stringify({ medplum: m.slice(0, 2), fast: f.slice(0, 2) });
  out.push({ mutation: name, medplum: m.length > 0, fast: f.length > 0, detail });
}

describe('fast R4 validator vs @medplum validateResource', () => {
  let bundles: Bundle[];
  beforeAll(() => {
    ensureR4DefinitionsLoaded();
    bundles = corpus();
  });

  it('agrees that the corpus is valid', () => {
    expect(bundles.length).toBe(CORPUS_BUNDLES);
    for (const b of bundles) {
      expect(validateWithMedplum(b).filter((i) => i.severity === 'error')).toEqual([]);
      expect(validateR4(b).filter((i) => i.severity === 'error')).toEqual([]);
    }
  });

  it('refuses every mutated resource or bundle that @medplum refuses', () => {
    const rand = prng(20260401);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const resources = bundles.flatMap((b) => (b.entry ?? []).map((e) => e.resource as unknown as Json));
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 640; i++) {
      const m = MUTATIONS[i % MUTATIONS.length]!;
      const r = structuredClone(pick(resources));
      if (m.apply(r, pick)) judge(m.name, r, outcomes);
    }
    for (let i = 0; i < 48; i++) {
      const m = BUNDLE_MUTATIONS[i % BUNDLE_MUTATIONS.length]!;
      const b = structuredClone(pick(bundles)) as unknown as Json;
      if (m.apply(b, pick)) judge(`bundle: ${m.name}`, b, outcomes);
    }
    const missed = outcomes.filter((o) => o.medplum && !o.fast);
    const extra = outcomes.filter((o) => !o.medplum && o.fast);
    const tally = (xs: Outcome[]) => xs.reduce<Record<string, number>>((acc, o) => ((acc[o.mutation] = (acc[o.mutation] ?? 0) + 1), acc), {});
    process.stdout.write(
      `differential: ${outcomes.length} mutated inputs; @medplum refuses ${outcomes.filter((o) => o.medplum).length}, fast refuses ${outcomes.filter((o) => o.fast).length}; ` +
        `missed ${missed.length}; refused only by the fast validator: ${JSON.stringify(tally(extra))}\n`,
    );
    if (process.env.DIFF_DETAIL) for (const o of [...missed, ...extra]) process.stdout.write(`${o.medplum ? 'MISSED' : 'EXTRA'} ${o.mutation} ${o.detail}\n`);
    expect(tally(missed)).toEqual({});
    expect({
      inputs: outcomes.length,
      refusedByMedplum: outcomes.filter((o) => o.medplum).length,
      refusedByFast: outcomes.filter((o) => o.fast).length,
    }).toEqual({ inputs: 546, refusedByMedplum: 355, refusedByFast: 435 });
    // Refused by the fast validator only, by mutation: counted so that a change is seen and
    // read (DIFF_DETAIL=1 prints each one with both validators' issues).
    expect(tally(extra)).toEqual({
      'empty string': 13,
      'bad code': 5,
      'choice type twice': 16,
      'empty array/object': 27,
      'required-binding CodeableConcept': 5,
      'delete element': 4,
      'control character': 2,
      'delete required': 1,
      'bundle: bad request method': 6,
      'bundle: entry resource mutated': 1,
    });
  });
});

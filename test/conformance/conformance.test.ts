// The HL7v2 converter against the peer's own test suite (Microsoft FHIR-Converter pairs in
// ../shared/peer/ms-fhir-converter). `npm run conformance` prints the full report.
import { describe, expect, it } from 'vitest';
import { compareBundles, compareFacts, matchTimes } from './compare.js';
import type { Fact } from './facts.js';
import { agreement, runSuite, tally, undocumentedContradictions } from './suite.js';

/**
 * Agreement on stated facts may only rise: when a change raises it, raise this floor to the
 * new figure (rounded down to the percent); never lower it to make a change pass.
 */
const AGREEMENT_FLOOR = 0.8;

describe('conformance with the peer suite', () => {
  const results = runSuite();

  it('reads all 126 pairs and converts every message to a valid R4 bundle', () => {
    expect(results).toHaveLength(126);
    expect(results.filter((r) => !r.converted).map((r) => `${r.name}: ${r.refusal}`)).toEqual([]);
    expect(results.filter((r) => r.validationErrors.length).map((r) => `${r.name}: ${r.validationErrors[0]}`)).toEqual([]);
  });

  it(`agrees with the peer on at least ${AGREEMENT_FLOOR * 100}% of the facts it states`, () => {
    expect(agreement(tally(results))).toBeGreaterThanOrEqual(AGREEMENT_FLOOR);
  });

  it('contradicts no Patient, Encounter or Observation value of the peer without a documented reason', () => {
    expect(undocumentedContradictions(results)).toEqual([]);
  });
});

describe('fact comparison rules', () => {
  const text = (key: string, t: string): Fact => ({ key, value: { kind: 'text', text: t } });
  const time = (key: string, raw: string): Fact => ({ key, value: { kind: 'time', raw } });

  it('compares times as instants, by wall clock for offset-less inputs, and a date against a date-time by day', () => {
    expect(matchTimes('2015-02-08T11:34:19+01:10', '2015-02-08T15:54:19+05:30')).toBe('instant');
    expect(matchTimes('2021-01-15T20:20:10+05:30', '2021-01-15T20:20:10+07:00')).toBe('wall-clock');
    expect(matchTimes('1988-08-18', '1988-08-18T11:26:00+02:15')).toBe('precision');
    expect(matchTimes('1988-08-18', '1988-08-19')).toBeUndefined();
    expect(matchTimes('2021-01-15T20:20:10+05:30', '2021-01-15T21:20:10+07:00')).toBeUndefined();
  });

  it('a different single value disagrees; another member of a set is missing plus extra, not a contradiction', () => {
    const out = compareFacts([text('Encounter.status', 'planned'), text('Patient.identifier', 'A1')], [text('Encounter.status', 'in-progress'), text('Patient.identifier', 'B2')]);
    expect(out.map((o) => [o.key, o.verdict])).toEqual([
      ['Encounter.status', 'disagree'],
      ['Patient.identifier', 'missing'],
      ['Patient.identifier', 'extra'],
    ]);
  });

  it('pairs resources by an identifying fact, not by a shared status', () => {
    const peer = { resources: [{ type: 'Observation', facts: [text('Observation.code', 'injury'), text('Observation.status', 'final')] }], counts: [] };
    const ours = { resources: [{ type: 'Observation', facts: [text('Observation.code', '8867-4'), text('Observation.status', 'final'), time('Observation.effective', '2022-01-20')] }], counts: [] };
    const verdicts = compareBundles(peer, ours).map((o) => o.verdict);
    expect(verdicts.filter((v) => v === 'disagree')).toEqual([]);
    expect(verdicts.filter((v) => v === 'missing')).toHaveLength(2);
  });
});

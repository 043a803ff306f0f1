// Runs our HL7v2 converter over the peer's test pairs (Microsoft FHIR-Converter, read from
// ../shared/peer/ms-fhir-converter at run time, never copied) and compares stated facts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { ensureR4DefinitionsLoaded, validateR4 } from '../../connectors/fhir/validator.js';
import { convertHl7v2Message } from '../../connectors/formats/hl7v2/convert.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { compareBundles, type FactOutcome } from './compare.js';
import { documentedReason } from './differences.js';
import { factsOf } from './facts.js';

export const repoRoot = join(import.meta.dirname, '../..');
export const peerDir = join(repoRoot, '../shared/peer/ms-fhir-converter');

interface Pair {
  name: string;
  msh9: string;
  input: string;
  expected: string;
}

export interface PairResult {
  name: string;
  /** `ADT^A01` */
  messageType: string;
  converted: boolean;
  /** Refusal code when not converted. */
  refusal?: string;
  /** R4 validation errors of our bundle (empty = valid). */
  validationErrors: string[];
  outcomes: Array<FactOutcome & { reason?: string }>;
}

export interface Tally {
  agree: number;
  disagree: number;
  missing: number;
  extra: number;
  /** Agreements that needed the wall-clock rule (input without an offset). */
  wallClock: number;
}

export function loadPairs(): Pair[] {
  const list = join(peerDir, 'pairs.json');
  if (!existsSync(list)) throw new Error(`peer test pairs not found at ${list}: the shared folder must sit next to the repository`);
  return JSON.parse(readFileSync(list, 'utf8')) as Pair[];
}

export function runPair(pair: Pair): PairResult {
  const raw = readFileSync(join(peerDir, pair.input));
  const expected = JSON.parse(readFileSync(join(peerDir, pair.expected), 'utf8')) as Bundle;
  const [code, event] = pair.msh9.split('^');
  const messageType = `${code}^${event}`;
  const out = convertHl7v2Message(raw, { facilityCode: '79001', now: new Date('2026-01-01T00:00:00Z'), profilePack: defaultProfilePack() });
  if (!out.ok) {
    const outcomes = compareBundles(factsOf(expected), { resources: [], counts: [] });
    return { name: pair.name, messageType, converted: false, refusal: `${out.code}: ${out.message}`, validationErrors: [], outcomes };
  }
  const validationErrors = validateR4(out.bundle)
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.path ?? ''} ${i.message}`);
  const outcomes = compareBundles(factsOf(expected), factsOf(out.bundle)).map((o) => {
    const reason = o.verdict === 'disagree' || o.verdict === 'missing' ? documentedReason(o, messageType) : undefined;
    return reason ? { ...o, reason } : o;
  });
  return { name: pair.name, messageType, converted: true, validationErrors, outcomes };
}

export function runSuite(): PairResult[] {
  ensureR4DefinitionsLoaded();
  return loadPairs().map(runPair);
}

export function tally(results: readonly PairResult[]): Tally {
  const t: Tally = { agree: 0, disagree: 0, missing: 0, extra: 0, wallClock: 0 };
  for (const r of results) {
    for (const o of r.outcomes) {
      t[o.verdict]++;
      if (o.timeMatch === 'wall-clock') t.wallClock++;
    }
  }
  return t;
}

/** agree / (agree + disagree + missing): the share of the peer's stated facts we state the same. */
export function agreement(t: Tally): number {
  const stated = t.agree + t.disagree + t.missing;
  return stated === 0 ? 1 : t.agree / stated;
}

/** Disagreements on Patient, Encounter or Observation values without a documented reason. */
export function undocumentedContradictions(results: readonly PairResult[]): Array<{ pair: string } & FactOutcome> {
  return results.flatMap((r) =>
    r.outcomes
      .filter((o) => o.verdict === 'disagree' && !o.reason && /^(Patient|Encounter|Observation)\./.test(o.key))
      .map((o) => ({ pair: r.name, ...o })),
  );
}

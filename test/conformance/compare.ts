// Comparison of stated facts (./facts.ts): ours against the peer's expected bundle.
// First the resources are paired: within a type, the pair that shares the most facts first
// (a lone Patient or Encounter on each side pairs anyway: one person, one visit). Within a pair, per fact key, values
// are matched as multisets: a peer value we state too agrees; a peer value we state otherwise
// (we have an unmatched value under the same single-valued key) disagrees; a peer value we do
// not state is missing. Facts of a peer resource we have no counterpart for are missing. Our
// facts the peer does not state are "extra" and count neither way.
// Agreement = agree / (agree + disagree + missing).
import { SET_VALUED, type Fact, type FactValue, type ResourceFacts } from './facts.js';

export type Verdict = 'agree' | 'disagree' | 'missing' | 'extra';

/** How a time agreed: the same instant, the same wall-clock reading (the input had no offset), or at the coarser precision. */
export type TimeMatch = 'instant' | 'wall-clock' | 'precision';

export interface FactOutcome {
  key: string;
  verdict: Verdict;
  peer?: FactValue;
  ours?: FactValue;
  timeMatch?: TimeMatch;
}

const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/** Compares two times: see TimeMatch. Offsets are only applied when both carry a time of day. */
export function matchTimes(a: string, b: string): TimeMatch | undefined {
  const ta = a.includes('T');
  const tb = b.includes('T');
  if (!ta && !tb) return a === b ? 'instant' : undefined;
  if (ta !== tb) {
    const [dated, partial] = ta ? [a, b] : [b, a];
    return dated.startsWith(partial) ? 'precision' : undefined;
  }
  if (Date.parse(a) === Date.parse(b)) return 'instant';
  const wa = WALL_CLOCK.exec(a);
  const wb = WALL_CLOCK.exec(b);
  if (wa && wb && wa[1] === wb[1] && wa[2] === wb[2] && wa[3] === wb[3] && (wa[4] ?? '00') === (wb[4] ?? '00')) return 'wall-clock';
  return undefined;
}

export function matchValues(peer: FactValue, ours: FactValue): TimeMatch | 'exact' | undefined {
  if (peer.kind === 'time' && ours.kind === 'time') return matchTimes(peer.raw, ours.raw);
  const p = peer.kind === 'text' ? peer.text : peer.kind === 'number' ? String(peer.n) : peer.raw;
  const o = ours.kind === 'text' ? ours.text : ours.kind === 'number' ? String(ours.n) : ours.raw;
  if (peer.kind === 'number' && ours.kind === 'number') return Math.abs(peer.n - ours.n) < 1e-9 ? 'exact' : undefined;
  return p === o ? 'exact' : undefined;
}

/** Pairs the resources of the two bundles and compares their facts, plus the resource counts. */
export function compareBundles(peer: { resources: ResourceFacts[]; counts: Fact[] }, ours: { resources: ResourceFacts[]; counts: Fact[] }): FactOutcome[] {
  const out: FactOutcome[] = compareFacts(peer.counts, ours.counts);
  const types = new Set([...peer.resources, ...ours.resources].map((r) => r.type));
  for (const type of types) {
    const theirs = peer.resources.filter((r) => r.type === type);
    const mine = ours.resources.filter((r) => r.type === type);
    const scores: Array<[number, number, number]> = [];
    theirs.forEach((p, i) =>
      mine.forEach((o, j) => {
        // Two resources are the same thing only when an identifying fact (an identifier, a code,
        // a name: the set-valued keys) agrees; then the one sharing the most facts wins.
        const agreed = compareFacts(p.facts, o.facts).filter((x) => x.verdict === 'agree');
        if (agreed.some((x) => SET_VALUED.has(x.key))) scores.push([agreed.length, i, j]);
      }),
    );
    scores.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
    const pairOfPeer = new Map<number, number>();
    const taken = new Set<number>();
    for (const [, i, j] of scores) {
      if (pairOfPeer.has(i) || taken.has(j)) continue;
      pairOfPeer.set(i, j);
      taken.add(j);
    }
    const lonePeer = theirs.map((_, i) => i).filter((i) => !pairOfPeer.has(i));
    const loneOurs = mine.map((_, j) => j).filter((j) => !taken.has(j));
    if ((type === 'Patient' || type === 'Encounter') && lonePeer.length === 1 && loneOurs.length === 1) {
      pairOfPeer.set(lonePeer[0]!, loneOurs[0]!);
      taken.add(loneOurs[0]!);
    }
    theirs.forEach((p, i) => {
      const j = pairOfPeer.get(i);
      out.push(...compareFacts(p.facts, j === undefined ? [] : mine[j]!.facts));
    });
    mine.forEach((o, j) => {
      if (!taken.has(j)) out.push(...compareFacts([], o.facts));
    });
  }
  return out;
}

export function compareFacts(peer: readonly Fact[], ours: readonly Fact[]): FactOutcome[] {
  const byKey = (facts: readonly Fact[]) => {
    const m = new Map<string, FactValue[]>();
    for (const f of facts) m.set(f.key, [...(m.get(f.key) ?? []), f.value]);
    return m;
  };
  const peerByKey = byKey(peer);
  const oursByKey = byKey(ours);
  const out: FactOutcome[] = [];
  for (const key of new Set([...peerByKey.keys(), ...oursByKey.keys()])) {
    const theirs = peerByKey.get(key) ?? [];
    const mine = oursByKey.get(key) ?? [];
    const used = new Set<number>();
    const unmatched: FactValue[] = [];
    for (const p of theirs) {
      let hit = -1;
      let how: ReturnType<typeof matchValues>;
      for (let i = 0; i < mine.length && hit === -1; i++) {
        if (used.has(i)) continue;
        how = matchValues(p, mine[i]!);
        if (how) hit = i;
      }
      if (hit === -1) {
        unmatched.push(p);
        continue;
      }
      used.add(hit);
      out.push({ key, verdict: 'agree', peer: p, ours: mine[hit], timeMatch: how === 'exact' ? undefined : how });
    }
    for (const p of unmatched) {
      const i = SET_VALUED.has(key) ? -1 : mine.findIndex((_, j) => !used.has(j));
      if (i === -1) out.push({ key, verdict: 'missing', peer: p });
      else {
        used.add(i);
        out.push({ key, verdict: 'disagree', peer: p, ours: mine[i] });
      }
    }
    mine.forEach((o, i) => {
      if (!used.has(i)) out.push({ key, verdict: 'extra', ours: o });
    });
  }
  return out;
}

export function show(v: FactValue | undefined): string {
  if (!v) return '—';
  return v.kind === 'text' ? JSON.stringify(v.text) : v.kind === 'number' ? String(v.n) : v.raw;
}

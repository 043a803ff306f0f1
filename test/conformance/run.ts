// `npm run conformance`: fact agreement of our HL7v2 converter with the peer's expected
// bundles, per message type and overall, with every deliberate difference and its reason.
import { CLINICAL_TYPES, MODELLING_ONLY } from './facts.js';
import { show } from './compare.js';
import { agreement, runSuite, tally, undocumentedContradictions, type PairResult } from './suite.js';

const results = runSuite();
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const lines: string[] = [];
const say = (s = '') => lines.push(s);

say('HL7v2 → FHIR R4 conformance against Microsoft FHIR-Converter\'s own test pairs');
say('(../shared/peer/ms-fhir-converter; see PROVENANCE.md there)');
say();
say('What is compared ("stated facts"): identifiers, names, gender, dates (as instants), addresses, telecoms,');
say('codes (code values, not system URIs: the peer writes placeholder systems), statuses, values and units, and');
say(`how many resources of each clinical type a bundle holds, for: ${CLINICAL_TYPES.join(', ')}.`);
say('Agreement = agree / (agree + disagree + missing), over the facts the peer states. A fact we state that the');
say('peer does not is "extra" and counts neither way. A time agrees when it is the same instant, or, when the');
say('input gave no offset (the peer wrote its build machine\'s zone, we write Vietnam time), the same wall-clock');
say('reading; a date agrees with a date-time on the same day.');
say();
const byType = new Map<string, PairResult[]>();
for (const r of results) byType.set(r.messageType, [...(byType.get(r.messageType) ?? []), r]);
say('Message type   pairs  converted  valid  agree  disagree  missing  extra  agreement');
for (const [type, rs] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
  const t = tally(rs);
  const conv = rs.filter((r) => r.converted).length;
  const valid = rs.filter((r) => r.converted && r.validationErrors.length === 0).length;
  // A type whose expected bundles state none of the compared facts has no agreement to show.
  const stated = t.agree + t.disagree + t.missing;
  say(`${type.padEnd(14)} ${String(rs.length).padStart(5)}  ${String(conv).padStart(9)}  ${String(valid).padStart(5)}  ${String(t.agree).padStart(5)}  ${String(t.disagree).padStart(8)}  ${String(t.missing).padStart(7)}  ${String(t.extra).padStart(5)}  ${(stated ? pct(agreement(t)) : 'n/a').padStart(9)}`);
}
const all = tally(results);
const converted = results.filter((r) => r.converted).length;
const valid = results.filter((r) => r.converted && r.validationErrors.length === 0).length;
say();
say(`Overall: ${results.length} pairs, ${converted} converted, ${valid} valid R4 bundles; agree ${all.agree}, disagree ${all.disagree}, missing ${all.missing}, extra ${all.extra}; agreement ${pct(agreement(all))}`);
say(`(${all.wallClock} time agreements rest on the wall-clock rule)`);
say();
say('Agreement per fact key (peer-stated facts only):');
const byKey = new Map<string, { agree: number; disagree: number; missing: number }>();
for (const r of results) for (const o of r.outcomes) {
  if (o.verdict === 'extra') continue;
  const k = byKey.get(o.key) ?? { agree: 0, disagree: 0, missing: 0 };
  k[o.verdict]++;
  byKey.set(o.key, k);
}
for (const [key, k] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
  say(`  ${key.padEnd(48)} agree ${String(k.agree).padStart(4)}  disagree ${String(k.disagree).padStart(4)}  missing ${String(k.missing).padStart(4)}`);
}
say();
say('Deliberate differences (documented reasons), with how often each applied:');
const reasons = new Map<string, number>();
for (const r of results) for (const o of r.outcomes) if (o.reason) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) say(`  ${String(n).padStart(4)} × ${reason}`);
say();
say('Peer resource types not compared (modelling choices, not stated facts):');
for (const [type, why] of Object.entries(MODELLING_ONLY)) say(`  ${type}: ${why}`);
say();
const refused = results.filter((r) => !r.converted);
if (refused.length) {
  say('Refused:');
  for (const r of refused) say(`  ${r.name}: ${r.refusal}`);
  say();
}
const invalid = results.filter((r) => r.validationErrors.length);
if (invalid.length) {
  say('Not valid R4:');
  for (const r of invalid) say(`  ${r.name}: ${r.validationErrors.slice(0, 3).join('; ')}`);
  say();
}
const contradictions = undocumentedContradictions(results);
say(`Patient / Encounter / Observation values contradicting the peer without a documented reason: ${contradictions.length}`);
for (const c of contradictions) say(`  ${c.pair}: ${c.key} peer ${show(c.peer)} ours ${show(c.ours)}`);
if (process.argv.includes('--details')) {
  say();
  say('All disagreements and missing facts without a documented reason:');
  for (const r of results) for (const o of r.outcomes) {
    if ((o.verdict === 'disagree' || o.verdict === 'missing') && !o.reason) say(`  ${r.name}: ${o.verdict} ${o.key} peer ${show(o.peer)} ours ${show(o.ours)}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');

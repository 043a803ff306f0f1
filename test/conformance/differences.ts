// Deliberate differences from the peer (Microsoft FHIR-Converter), each with its reason
// (docs/mapping-hl7v2.md, "Deliberate differences"). A disagreement that matches one is
// reported with the reason instead of as a contradiction. Each rule is narrow: one key, and
// a test on the two values.
import type { FactOutcome } from './compare.js';

interface Difference {
  key: string;
  applies: (o: FactOutcome) => boolean;
  reason: string;
}

const text = (v: FactOutcome['peer']): string | undefined => (v?.kind === 'text' ? v.text : undefined);
const pair = (peer: string, ours: readonly string[]) => (o: FactOutcome) => text(o.peer) === peer && ours.includes(text(o.ours) ?? '');

export const DIFFERENCES: readonly Difference[] = [
  {
    key: 'Observation.status',
    applies: pair('unknown', ['preliminary', 'registered']),
    reason:
      'OBX-11 S (partial), P (preliminary), I (pending) and O (order detail only) follow the HL7 V2-to-FHIR IG map of table 0085 (S, P → preliminary; I, O → registered); the peer writes "unknown"',
  },
  {
    key: 'DocumentReference.docStatus',
    applies: pair('preliminary', ['final']),
    reason: 'TXA-17 AU (authenticated) and LA (legally authenticated) are final documents; the peer writes "preliminary"',
  },
  {
    key: 'DiagnosticReport.status',
    applies: pair('registered', ['partial']),
    reason: 'OBR-25 R (results stored, not yet verified) and S: results exist, so the report is partial, not merely registered',
  },
  {
    key: 'ServiceRequest.intent',
    applies: pair('filler-order', ['order']),
    reason: 'the order behind results (ORU) is the placer\'s order the results fulfil, one ServiceRequest keyed on its numbers; the peer calls it the lab\'s filler-order',
  },
  {
    key: 'MedicationRequest.intent',
    applies: pair('filler-order', ['order']),
    reason: 'a prescription is exchanged as the prescriber\'s order (VN Core e-prescription); the pharmacy\'s encoding of it (RDE/RDS) is not another request',
  },
];

export function documentedReason(o: FactOutcome, _messageType: string): string | undefined {
  return DIFFERENCES.find((d) => d.key === o.key && d.applies(o))?.reason;
}

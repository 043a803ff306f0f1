// A conversion result's claim-check findings (compact JSON from convertRecord) in the form the
// store keeps them: the compact list and its rule-by-rule tally (docs/claim-checks.md).
import type { CompactFinding } from '../../connectors/formats/xml130/checks/findings.js';
import { tallyFindings } from '../../connectors/formats/xml130/checks/dimensions.js';
import type { StoredFindings } from '../store/types.js';

/** null when the record was not checked (not a claim record); an empty list when it was and all is well. */
export function storedFindings(findingsJson: string | null): StoredFindings | null {
  if (findingsJson === null) return null;
  const compact = JSON.parse(findingsJson) as CompactFinding[];
  return { compactJson: findingsJson, rules: tallyFindings(compact) };
}

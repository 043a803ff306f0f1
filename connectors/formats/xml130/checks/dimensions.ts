// Which part of the platform's quality motto "đúng – đủ – sạch – sống" (DESIGN §6) a claim
// check speaks of, and a record's findings summed up for storage (docs/claim-checks.md
// "In the agent"). "sống" (sent soon after the encounter) is about delivery, not about the
// claim's content: no check belongs to it.
import type { CompactFinding, Severity } from './findings.js';
import { RULES, type Rule } from './rules.js';

/** đúng (correct), đủ (sufficient), sạch (clean). */
export type QualityDimension = 'correct' | 'sufficient' | 'clean';

/**
 * đủ: something required is absent (an element, XML1, the referral paper a referral needs).
 * sạch: a value is not in its agreed form (a code written as text, a placeholder, a literal null).
 * đúng: the values contradict each other or the facts (dates out of order, amounts that do not add
 * up, a card not valid for the stay, an impossible birth date, an unreadable table, a paper that
 * should not be there).
 */
export function dimensionOf(rule: Rule): QualityDimension {
  const c = rule.check;
  switch (c.kind) {
    case 'required':
    case 'requiredWhen':
    case 'xml1Present':
      return 'sufficient';
    case 'paperWhen':
      return c.expect === 'present' ? 'sufficient' : 'correct';
    case 'format':
    case 'placeholder':
    case 'sentinel':
      return 'clean';
    default:
      return 'correct';
  }
}

/** One rule's findings on one record: what the per-rule counts and the score are made of. */
export interface RuleTally {
  rule: string;
  severity: Severity;
  dimension: QualityDimension;
  /** Findings of this rule on the record (one per row and element). */
  count: number;
}

/** The findings of a record, rule by rule, in the order first found; rules no longer known are left out. */
export function tallyFindings(findings: readonly CompactFinding[]): RuleTally[] {
  const byRule = new Map<string, RuleTally>();
  for (const [id] of findings) {
    const known = byRule.get(id);
    if (known) {
      known.count++;
      continue;
    }
    const rule = RULES.get(id);
    if (rule) byRule.set(id, { rule: id, severity: rule.severity, dimension: dimensionOf(rule), count: 1 });
  }
  return [...byRule.values()];
}

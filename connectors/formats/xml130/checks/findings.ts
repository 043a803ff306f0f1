// A finding of the pre-submission checks: which rule, where (table, 1-based row, element),
// and what to fix. Findings never carry a value of the record (a name, a card number, a
// birth date …): only the rule's fixed text and, for money, the amount the lines add up to.
// The compact form is what the agent stores per record (docs/claim-checks.md).

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Stable rule id from RULES (rules.ts), e.g. `XML2.GIVEN_BEFORE_ORDERED`. */
  rule: string;
  severity: Severity;
  /** `XML1` … `XML15`. */
  table: string;
  /** 1-based row within the table; null when the finding is about the table as a whole. */
  row: number | null;
  /** The XML element name, e.g. `NGAY_TH_YL`; null for a table as a whole. */
  field: string | null;
  /** Vietnamese: what is wrong and what to fix. */
  message: string;
  /** The same in English. */
  messageEn: string;
  /** For money rules: the amount the element should hold (never a personal value). */
  expected?: string;
}

/** Storable form: `[rule, table, row, field, expected?]`. Severity and texts come back from the catalogue. */
export type CompactFinding = [rule: string, table: string, row: number | null, field: string | null, expected?: string];

export function compactFinding(f: Finding): CompactFinding {
  return f.expected === undefined ? [f.rule, f.table, f.row, f.field] : [f.rule, f.table, f.row, f.field, f.expected];
}

/** Orders findings as a reviewer reads a record: by table number, row, element, rule. */
export function compareFindings(a: Finding, b: Finding): number {
  const tn = (t: string) => Number(/\d+/.exec(t)?.[0] ?? 999);
  return tn(a.table) - tn(b.table) || (a.row ?? 0) - (b.row ?? 0) || (a.field ?? '').localeCompare(b.field ?? '') || a.rule.localeCompare(b.rule);
}

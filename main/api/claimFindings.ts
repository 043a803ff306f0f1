// Stored claim-check findings (compact, migration 9) read back for the API: each with its
// rule's severity and texts from the catalogue (docs/claim-checks.md). A rule id no longer in
// the catalogue (the record was checked by an older version) is shown by its id alone.
import { expandFinding } from '../../connectors/formats/xml130/checks/engine.js';
import type { CompactFinding } from '../../connectors/formats/xml130/checks/findings.js';
import { RULES } from '../../connectors/formats/xml130/checks/rules.js';
import type { RuleCountRow } from '../store/findings.js';
import type { ClaimFindingDto, DayScoreDto, FindingCountDto } from './contract.js';

export function findingDtos(compactJson: string | null): ClaimFindingDto[] | null {
  if (compactJson === null) return null;
  return (JSON.parse(compactJson) as CompactFinding[]).map((c) => {
    const f = expandFinding(c);
    if (f) return f;
    const [rule, table, row, field, expected] = c;
    return { rule, severity: 'warning', table, row, field, message: rule, messageEn: rule, ...(expected !== undefined ? { expected } : {}) };
  });
}

export function findingCountDtos(rows: readonly RuleCountRow[]): FindingCountDto[] {
  return rows.map((r) => {
    const rule = RULES.get(r.rule);
    return { ...r, message: rule?.message.vi ?? r.rule, messageEn: rule?.message.en ?? r.rule };
  });
}

const FINDINGS_CSV_HEADERS = {
  vi: ['Ngày', 'Quy tắc', 'Mức độ', 'Tiêu chí', 'Số hồ sơ', 'Số lỗi', 'Cần sửa'],
  en: ['Day', 'Rule', 'Severity', 'Dimension', 'Records', 'Findings', 'What to fix'],
} as const;
const SCORE_CSV_HEADERS = {
  vi: ['Ngày', 'Hồ sơ đã kiểm tra', 'Đúng', 'Đủ', 'Sạch', 'Sống', 'Điểm (0–100)'],
  en: ['Day', 'Records checked', 'Correct', 'Sufficient', 'Clean', 'Alive', 'Score (0–100)'],
} as const;
const DIMENSION_WORDS = {
  vi: { correct: 'đúng', sufficient: 'đủ', clean: 'sạch' },
  en: { correct: 'correct', sufficient: 'sufficient', clean: 'clean' },
} as const;
const SEVERITY_WORDS = { vi: { error: 'lỗi', warning: 'cảnh báo' }, en: { error: 'error', warning: 'warning' } } as const;

/** CSV lines (header first) of the findings per rule per day. */
export function findingCountLines(rows: readonly FindingCountDto[], lang: 'vi' | 'en', cell: (v: string | number) => string): string[] {
  return [
    FINDINGS_CSV_HEADERS[lang].join(','),
    ...rows.map((r) =>
      [r.day, r.rule, SEVERITY_WORDS[lang][r.severity], DIMENSION_WORDS[lang][r.dimension], r.records, r.findings, lang === 'vi' ? r.message : r.messageEn].map(cell).join(','),
    ),
  ];
}

/** CSV lines (header first) of the daily score; an empty score (nothing checked) is an empty cell. */
export function scoreLines(rows: readonly DayScoreDto[], lang: 'vi' | 'en', cell: (v: string | number) => string): string[] {
  return [SCORE_CSV_HEADERS[lang].join(','), ...rows.map((r) => [r.day, r.checked, r.correct, r.sufficient, r.clean, r.alive, r.score ?? ''].map(cell).join(','))];
}

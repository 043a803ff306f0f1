// The reports' claim-check sections (docs/claim-checks.md "In the agent"): findings counted per
// rule per day, and the daily "đúng – đủ – sạch – sống" score with its four parts. Each exports
// as CSV through the same report endpoint (`part`).
import type { DayScoreDto, FindingCountDto, ReportResponse } from '../../../main/api/contract.js';
import { h } from '../dom.js';
import { num, percent } from '../format.js';
import { lang, t } from '../i18n/index.js';
import { table } from '../ui.js';

export type ReportCsvPart = 'findings' | 'score';

const dimensionKey = { correct: 'dimension.correct', sufficient: 'dimension.sufficient', clean: 'dimension.clean' } as const;

function csvButton(label: string, part: ReportCsvPart, exportCsv: (part: ReportCsvPart) => void): HTMLElement {
  return h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'secondary', 'data-testid': `report-csv-${part}`, onclick: () => exportCsv(part) }, label));
}

function findingRows(rows: readonly FindingCountDto[]): HTMLTableRowElement[] {
  return rows.map((r) =>
    h(
      'tr',
      { 'data-day': r.day, 'data-rule': r.rule },
      h('td', {}, r.day),
      h('td', {}, h('code', {}, r.rule), h('div', { class: 'muted' }, lang() === 'en' ? r.messageEn : r.message)),
      h('td', {}, h('span', { class: `badge severity-${r.severity}` }, t(r.severity === 'error' ? 'severity.error' : 'severity.warning'))),
      h('td', {}, t(dimensionKey[r.dimension])),
      h('td', { class: 'num', 'data-testid': 'finding-records' }, num(r.records)),
      h('td', { class: 'num', 'data-testid': 'finding-count' }, num(r.findings)),
    ),
  );
}

function scoreRows(rows: readonly DayScoreDto[]): HTMLTableRowElement[] {
  const share = (n: number, of: number) => h('td', { class: 'num' }, of === 0 ? t('common.none') : percent(n, of));
  return rows.map((r) =>
    h(
      'tr',
      { 'data-day': r.day },
      h('td', {}, r.day),
      h('td', { class: 'num' }, num(r.checked)),
      share(r.correct, r.checked),
      share(r.sufficient, r.checked),
      share(r.clean, r.checked),
      share(r.alive, r.checked),
      h('td', { class: 'num', 'data-testid': 'score-value' }, h('strong', {}, r.score === null ? t('common.none') : num(r.score))),
    ),
  );
}

export function claimCheckSections(r: ReportResponse, exportCsv: (part: ReportCsvPart) => void): HTMLElement[] {
  const findings = r.findingsByDay ?? [];
  const scores = r.scoreByDay ?? [];
  return [
    h(
      'section',
      { class: 'card', 'data-testid': 'report-score' },
      table(
        t('reports.score'),
        [t('reports.day'), t('reports.checked'), t('dimension.correct'), t('dimension.sufficient'), t('dimension.clean'), t('reports.alive'), t('reports.scoreValue')],
        scoreRows(scores),
      ),
      h('p', { class: 'muted' }, t('reports.scoreHelp')),
      csvButton(t('reports.exportScore'), 'score', exportCsv),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'report-findings' },
      findings.length
        ? table(t('reports.findings'), [t('reports.day'), t('findings.rule'), t('findings.severity'), t('reports.dimension'), t('reports.records'), t('reports.findingCount')], findingRows(findings))
        : [h('h2', {}, t('reports.findings')), h('p', {}, t('reports.noFindings'))],
      csvButton(t('reports.exportFindings'), 'findings', exportCsv),
    ),
  ];
}

// The record page's pre-submission checks: every finding of the claim rules with its severity,
// table, row and element, and what to fix in the officer's language (docs/claim-checks.md).
// Findings never hold a record back: the section says so.
import type { ClaimFindingDto } from '../../../main/api/contract.js';
import { h } from '../dom.js';
import { num } from '../format.js';
import { lang, t } from '../i18n/index.js';
import { table } from '../ui.js';

function severityBadge(severity: ClaimFindingDto['severity']): HTMLElement {
  return h('span', { class: `badge severity-${severity}`, 'data-severity': severity }, t(severity === 'error' ? 'severity.error' : 'severity.warning'));
}

export function findingsSection(findings: ClaimFindingDto[] | null | undefined): HTMLElement {
  const section = (...children: (Node | null)[]) => h('section', { class: 'card', 'aria-labelledby': 'findings-title', 'data-testid': 'findings' }, h('h2', { id: 'findings-title' }, t('findings.title')), ...children);
  if (!findings) return section(h('p', {}, t('findings.notChecked')));
  if (findings.length === 0) return section(h('p', { 'data-testid': 'findings-none' }, t('findings.none')));
  const errors = findings.filter((f) => f.severity === 'error').length;
  return section(
    h('p', { 'data-testid': 'findings-summary' }, t('findings.summary', { errors: num(errors), warnings: num(findings.length - errors) })),
    table(
      t('findings.list'),
      [t('findings.severity'), t('findings.table'), t('findings.row'), t('findings.field'), t('findings.fix')],
      findings.map((f) =>
        h(
          'tr',
          { 'data-rule': f.rule, 'data-table': f.table, 'data-row': f.row === null ? '' : String(f.row), 'data-field': f.field ?? '' },
          h('td', {}, severityBadge(f.severity)),
          h('td', {}, f.table),
          h('td', { class: 'num' }, f.row === null ? t('common.none') : num(f.row)),
          h('td', {}, h('code', {}, f.field ?? t('common.none'))),
          h(
            'td',
            {},
            lang() === 'en' ? f.messageEn : f.message,
            f.expected !== undefined ? h('div', { class: 'muted' }, t('findings.expected', { amount: f.expected })) : null,
            h('div', { class: 'muted' }, f.rule),
          ),
        ),
      ),
      { 'data-testid': 'findings-table' },
    ),
  );
}

// One record: what came in, what it became, what was checked, and every delivery attempt with
// the store's answer; retry and resend from here. Refreshes as deliveries progress.
import type { MessageDetailResponse } from '../../../main/api/contract.js';
import { ApiError } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, num } from '../format.js';
import { outcomeLabel, t } from '../i18n/index.js';
import { prettyRaw } from '../pretty.js';
import { badge, confirmAction, destinationName, errorText, table, type AppContext } from '../ui.js';
import { findingsSection } from './recordFindings.js';

interface Issues {
  warnings?: { code: string; field: string; message: string }[];
  notMapped?: string[];
  validation?: { severity?: string; path?: string; message?: string }[];
}

function issuesSection(issues: Issues | null): HTMLElement {
  const warnings = issues?.warnings ?? [];
  const validation = issues?.validation ?? [];
  const notMapped = issues?.notMapped ?? [];
  const list = (title: string, items: string[]) => (items.length ? [h('h3', {}, title), h('ul', {}, items.map((i) => h('li', {}, i)))] : []);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'issues-title', 'data-testid': 'issues' },
    h('h2', { id: 'issues-title' }, t('record.issues')),
    warnings.length + validation.length + notMapped.length === 0 ? h('p', {}, t('record.noIssues')) : null,
    list(t('record.validation'), validation.map((v) => `${v.severity ?? ''} ${v.path ?? ''}: ${v.message ?? ''}`.trim())),
    list(t('record.warnings'), warnings.map((w) => `${w.field}: ${w.message} (${w.code})`)),
    list(t('record.notMapped'), notMapped),
  );
}

export function renderRecord(ctx: AppContext, root: HTMLElement, id: number): () => void {
  const body = h('div', {}, t('common.loading'));
  let lastJson = '';
  let rawOpen = false;
  let bundleOpen = false;

  const act = async (question: string, run: () => Promise<{ affected: number }>) => {
    if (!(await confirmAction(question))) return;
    try {
      const r = await run();
      ctx.notify(t('common.done', { count: r.affected }));
      await load();
    } catch (err) {
      ctx.notify(errorText(err), 'error');
    }
  };

  const draw = (m: MessageDetailResponse) => {
    const key = m.naturalKey?.split('|').pop() ?? (m.origin ? t('record.originShort', { file: m.origin.file, n: m.origin.recordNumber ?? '?' }) : String(m.id));
    const retryable = m.deliveries.some((d) => ['rejected', 'retry_wait', 'pending'].includes(d.state));
    const destSelect = h('select', { id: 'resend-dest' }, m.deliveries.map((d) => h('option', { value: d.destinationId }, destinationName(ctx, d.destinationId))));
    const raw = h('details', { 'data-testid': 'raw', open: rawOpen, ontoggle: (e: Event) => (rawOpen = (e.currentTarget as HTMLDetailsElement).open) }, h('summary', {}, t('record.raw')), m.raw === null ? h('p', {}, t('record.rawPruned')) : h('pre', { class: 'code' }, prettyRaw(m.format, m.raw)));
    const bundle = h(
      'details',
      { 'data-testid': 'bundle', open: bundleOpen, ontoggle: (e: Event) => (bundleOpen = (e.currentTarget as HTMLDetailsElement).open) },
      h('summary', {}, t('record.bundle')),
      m.bundle === null ? h('p', {}, t('record.noBundle')) : h('pre', { class: 'code' }, JSON.stringify(m.bundle, null, 2)),
    );
    replaceChildren(
      body,
      h('h1', {}, t('record.title', { key })),
      m.problem
        ? h(
            'section',
            { class: 'banner banner-warning', role: 'alert', 'data-testid': 'record-problem' },
            h('strong', {}, t('record.problemTitle')),
            h('p', { 'data-testid': 'record-problem-reason' }, m.problem.reason),
            h('p', { 'data-testid': 'record-problem-action' }, h('strong', {}, t('record.problemAction')), ' ', m.problem.action),
            m.origin ? h('p', { 'data-testid': 'record-origin' }, t('record.originLong', { file: m.origin.file, n: m.origin.recordNumber ?? '?' })) : null,
          )
        : null,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'summary-title' },
        h('h2', { id: 'summary-title' }, t('record.summary')),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('records.recordState')),
          h('dd', { 'data-testid': 'record-state' }, badge(m.state)),
          h('dt', {}, t('record.source')),
          h('dd', {}, m.sourceId),
          m.origin ? [h('dt', {}, t('record.file')), h('dd', { 'data-testid': 'record-file' }, t('record.fileAndNumber', { file: m.origin.file, n: m.origin.recordNumber ?? '?' }))] : null,
          h('dt', {}, t('record.format')),
          h('dd', {}, m.format),
          h('dt', {}, t('record.version')),
          h('dd', {}, String(m.version)),
          h('dt', {}, t('record.receivedAt')),
          h('dd', {}, dateTime(m.receivedAt)),
          h('dt', {}, t('record.convertedAt')),
          h('dd', {}, dateTime(m.convertedAt)),
          h('dt', {}, t('record.resources')),
          h('dd', {}, m.resourceCount === null ? t('common.none') : num(m.resourceCount)),
          m.errorMessage ? [h('dt', {}, t('record.error')), h('dd', { class: 'error muted' }, `${m.errorCode ?? ''} ${m.errorMessage}`.trim())] : null,
        ),
      ),
      h(
        'section',
        { class: 'card' },
        table(
          t('record.deliveries'),
          [t('overview.destination'), t('overview.state'), t('record.attemptCount'), t('record.lastError'), t('record.deliveredAt')],
          m.deliveries.map((d) =>
            h(
              'tr',
              { 'data-delivery': d.destinationId },
              h('th', { scope: 'row' }, destinationName(ctx, d.destinationId)),
              h(
                'td',
                { 'data-testid': `delivery-state-${d.destinationId}` },
                badge(d.state),
                d.part ? h('span', { class: 'muted', 'data-testid': `delivery-part-${d.destinationId}` }, ` ${t('record.part', { part: String(d.part.part), of: String(d.part.of) })}`) : null,
                d.supersededBy !== undefined
                  ? h('span', {}, ' ', h('a', { href: `#/records/${d.supersededBy}`, 'data-testid': `delivery-newer-${d.destinationId}` }, t('record.newerVersion')))
                  : null,
              ),
              h('td', { class: 'num' }, num(d.attempts)),
              h('td', {}, d.lastError ? `${d.lastErrorCode ?? ''} ${d.lastError}`.trim() : t('common.none')),
              h('td', {}, dateTime(d.deliveredAt)),
            ),
          ),
        ),
        h(
          'div',
          { class: 'toolbar' },
          retryable ? h('button', { type: 'button', 'data-testid': 'retry-record', onclick: () => act(t('confirm.retryOne', { key }), () => ctx.api.act({ action: 'retry_message', messageId: m.id })) }, t('record.retry')) : null,
          m.state === 'converted' && m.deliveries.length
            ? h(
                'span',
                { class: 'inline-field' },
                h('label', { for: 'resend-dest' }, t('record.resendTo')),
                destSelect,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'data-testid': 'resend',
                    onclick: () => act(t('confirm.resend', { key, destination: destSelect.value }), () => ctx.api.act({ action: 'resend', messageId: m.id, destinationId: destSelect.value })),
                  },
                  t('record.resend'),
                ),
              )
            : null,
        ),
      ),
      h(
        'section',
        { class: 'card' },
        m.attempts.length === 0
          ? [h('h2', {}, t('record.attempts')), h('p', {}, t('record.noAttempts'))]
          : table(
              t('record.attempts'),
              [t('record.attemptAt'), t('overview.destination'), t('record.outcome'), t('record.http'), t('record.duration'), t('record.response')],
              m.attempts.map((a) =>
                h(
                  'tr',
                  { 'data-outcome': a.outcome },
                  h('td', {}, dateTime(a.startedAt)),
                  h('td', {}, destinationName(ctx, a.destinationId)),
                  h('td', {}, outcomeLabel(a.outcome), a.errorCode ? h('div', { class: 'muted' }, a.errorCode) : null),
                  h('td', { class: 'num' }, a.httpStatus ? String(a.httpStatus) : t('common.none')),
                  h('td', { class: 'num' }, `${num(a.durationMs)} ms`),
                  h('td', {}, a.response ? h('pre', { class: 'code small' }, a.response) : t('common.none')),
                ),
              ),
              { 'data-testid': 'attempts' },
            ),
      ),
      // Pre-submission claim checks (recordFindings.ts).
      findingsSection(m.findings),
      issuesSection(m.issues as Issues | null),
      h('section', { class: 'card' }, raw, bundle),
    );
  };

  const load = async () => {
    try {
      const m = await ctx.api.record(id);
      const json = JSON.stringify(m);
      if (json === lastJson) return;
      lastJson = json;
      draw(m);
    } catch (err) {
      replaceChildren(body, h('p', { class: 'error', role: 'alert' }, err instanceof ApiError && err.status === 404 ? t('record.notFound', { id }) : errorText(err)));
    }
  };

  replaceChildren(root, h('p', {}, h('a', { href: '#/records' }, t('record.back'))), body);
  void load();
  // Counts changed somewhere: this record's deliveries may have moved too.
  const off = ctx.onOverview(() => void load());
  return off;
}

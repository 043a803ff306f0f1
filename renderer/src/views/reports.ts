// Reports: per day and destination (received, delivered, rejected), data quality, and the time
// from encounter end to delivery, over a chosen period; the daily table exports as CSV.
import type { ReportResponse } from '../../../main/api/contract.js';
import { h, replaceChildren } from '../dom.js';
import { date, dateTime, day, dayKey, delayHours, num, percent } from '../format.js';
import { lang, t } from '../i18n/index.js';
import { destinationName, errorText, table, type AppContext } from '../ui.js';
import { claimCheckSections, type ReportCsvPart } from './reportFindings.js';

function qualityCard(label: string, count: number, total: number, testId: string): HTMLElement {
  return h('div', { class: 'counter', 'data-testid': testId }, h('span', {}, label), h('strong', {}, percent(count, total)), h('small', {}, t('reports.ofRecords', { count: num(count), total: num(total) })));
}

/** The printed page's head: what, for whom, which period, when printed (DESIGN §8 reports). */
function printHeader(ctx: AppContext, r: ReportResponse): HTMLElement {
  const facility = ctx.overview()?.status.facility;
  return h(
    'div',
    { class: 'print-header', 'data-testid': 'print-header' },
    h('p', { class: 'print-title' }, t('reports.printTitle')),
    facility ? h('p', {}, t('reports.printFacility', { name: facility.name ?? '', code: facility.code })) : null,
    h('p', { 'data-testid': 'print-period' }, t('reports.printPeriod', { from: day(r.from), to: day(r.to) })),
    h('p', { class: 'muted', 'data-testid': 'printed-at' }, t('reports.printedAt', { at: dateTime(new Date().toISOString()) })),
  );
}

/** Signature lines under a printed report, dated the day of printing. */
function signatures(): HTMLElement {
  const now = new Date();
  const [d, m, y] = date(now).split('/');
  return h(
    'div',
    { class: 'signatures', 'data-testid': 'signatures' },
    h('div', {}, h('p', { class: 'sign-place' }, '\u00a0'), h('strong', {}, t('reports.signPreparer')), h('p', { class: 'muted' }, t('reports.signHint'))),
    h('div', {}, h('p', { class: 'sign-place' }, t('reports.signPlace', { d: d!, m: m!, y: y! })), h('strong', {}, t('reports.signHead')), h('p', { class: 'muted' }, t('reports.signHeadHint'))),
  );
}

function drawReport(r: ReportResponse, nameOf: (id: string) => string = (id) => id): HTMLElement[] {
  const totals = r.days.reduce(
    (acc, d) => {
      const k = d.destinationId;
      acc[k] ??= { delivered: 0, rejected: 0 };
      acc[k].delivered += d.delivered;
      acc[k].rejected += d.rejected;
      return acc;
    },
    {} as Record<string, { delivered: number; rejected: number }>,
  );
  const hours = (v: number | null) => (v === null ? t('common.none') : delayHours(v));
  const q = r.quality;
  return [
    table(
      t('reports.daily'),
      [t('reports.day'), t('overview.destination'), t('reports.received'), t('reports.delivered'), t('reports.rejected')],
      [
        ...r.days.map((d) =>
          h('tr', { 'data-day': d.day, 'data-destination': d.destinationId }, h('td', {}, day(d.day)), h('td', {}, nameOf(d.destinationId)), h('td', { class: 'num' }, num(d.received)), h('td', { class: 'num' }, num(d.delivered)), h('td', { class: 'num' }, num(d.rejected))),
        ),
        ...Object.entries(totals).map(([dest, v]) =>
          h('tr', { class: 'total', 'data-total': dest }, h('th', { scope: 'row' }, t('common.total')), h('td', {}, nameOf(dest)), h('td', { class: 'num' }, num(q.received)), h('td', { class: 'num' }, num(v.delivered)), h('td', { class: 'num' }, num(v.rejected))),
        ),
      ],
      { 'data-testid': 'report-days' },
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'quality-title' },
      h('h2', { id: 'quality-title' }, t('reports.quality')),
      h(
        'div',
        { class: 'counters' },
        qualityCard(t('reports.correct'), q.converted, q.received, 'quality-correct'),
        qualityCard(t('reports.sufficient'), q.complete, q.converted, 'quality-sufficient'),
        qualityCard(t('reports.withCccd'), q.withCccd, q.converted, 'quality-cccd'),
        qualityCard(t('reports.clean'), q.withoutWarnings, q.converted, 'quality-clean'),
        qualityCard(t('reports.newVersions'), q.newVersions, q.received, 'quality-versions'),
      ),
      q.missingByField.length
        ? h(
            'p',
            { class: 'missing-fields', 'data-testid': 'quality-missing' },
            `${t('reports.missingFields')}: ${q.missingByField.map((m) => `${m.field} (${num(m.records)})`).join(', ')}`,
          )
        : h('p', { class: 'missing-fields' }, t('reports.noMissingFields')),
    ),
    table(
      t('reports.latency'),
      [t('overview.destination'), t('reports.delivered'), t('reports.median'), t('reports.p90'), t('reports.within24h')],
      r.latency.map((l) =>
        h('tr', {}, h('th', { scope: 'row' }, nameOf(l.destinationId)), h('td', { class: 'num' }, num(l.delivered)), h('td', { class: 'num' }, hours(l.medianHours)), h('td', { class: 'num' }, hours(l.p90Hours)), h('td', { class: 'num' }, l.within24h === null ? t('common.none') : percent(l.within24h, 1))),
      ),
      { 'data-testid': 'report-latency' },
    ),
  ];
}

export function renderReports(ctx: AppContext, root: HTMLElement): () => void {
  const today = new Date();
  const weekAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
  const from = h('input', { id: 'pfrom', type: 'date', value: dayKey(weekAgo), required: true });
  const to = h('input', { id: 'pto', type: 'date', value: dayKey(today), required: true });
  const out = h('div', { 'aria-live': 'polite' }, t('common.loading'));

  const range = () => ({ from: from.value, to: to.value });
  const load = async () => {
    if (from.value > to.value) return replaceChildren(out, h('p', { class: 'error', role: 'alert' }, t('reports.badRange')));
    try {
      const r = await ctx.api.report(range());
      replaceChildren(out, printHeader(ctx, r), ...drawReport(r, (id) => destinationName(ctx, id)), ...claimCheckSections(r, (part) => void exportCsv(part)), signatures());
    } catch (err) {
      replaceChildren(out, h('p', { class: 'error', role: 'alert' }, errorText(err)));
    }
  };
  const exportCsv = async (part?: ReportCsvPart) => {
    try {
      const blob = await ctx.api.reportCsv({ ...range(), lang: lang(), ...(part ? { part } : {}) });
      const url = URL.createObjectURL(blob);
      const name = part === 'findings' ? 'vhr-loi-kiem-tra' : part === 'score' ? 'vhr-diem-chat-luong' : 'vhr-bao-cao';
      const a = h('a', { href: url, download: `${name}-${from.value}_${to.value}.csv` });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      ctx.notify(errorText(err), 'error');
    }
  };

  replaceChildren(
    root,
    h('h1', {}, t('reports.title')),
    h(
      'form',
      { class: 'search no-print', onsubmit: (e: Event) => { e.preventDefault(); void load(); } },
      h('div', { class: 'field' }, h('label', { for: 'pfrom' }, t('reports.from')), from),
      h('div', { class: 'field' }, h('label', { for: 'pto' }, t('reports.to')), to),
      h('div', { class: 'field buttons' }, h('button', { type: 'submit', 'data-testid': 'report-show' }, t('reports.show')), h('button', { type: 'button', class: 'secondary', 'data-testid': 'report-csv', onclick: () => void exportCsv() }, t('reports.export')), h('button', { type: 'button', class: 'secondary', 'data-testid': 'report-print', onclick: () => window.print() }, t('reports.print'))),
    ),
    out,
  );
  void load();
  return () => undefined;
}

// Overview: health, per-source and per-destination numbers, work in progress, throughput.
import type { DestinationStatusDto, OverviewResponse, ThroughputResponse } from '../../../main/api/contract.js';
import { estimateBacklog, keepRecent, type BacklogSample } from '../backlog.js';
import { throughputChart } from '../chart.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, duration, num } from '../format.js';
import { t } from '../i18n/index.js';
import { badge, confirmAction, destinationName, errorText, table, type AppContext } from '../ui.js';
import { healthBanner } from './banner.js';
import { errorFilesPanel } from './errorFiles.js';

/** Samples per destination survive screen changes so rates are known as soon as the overview opens again. */
const samples = new Map<string, BacklogSample[]>();

/**
 * The honest backlog (DESIGN §8): records still owed (not record × destination), records and
 * files not yet read or converted, and for each destination its own rate and time to finish —
 * or "đang tạm dừng" when nothing is being sent there.
 */
function backlogSection(o: OverviewResponse, pausedIds: ReadonlySet<string>): HTMLElement | null {
  const s = o.status;
  const now = Date.now();
  const toConvert = Math.max(0, s.counts.received - s.counts.converted - s.counts.invalid);
  const filesWaiting = s.sources.reduce((n, src) => n + (src.waitingFiles ?? 0), 0);
  const owed = o.recordsAwaitingDelivery ?? Math.max(0, ...s.destinations.map((d) => d.pending));
  const rows = s.destinations.map((d) => {
    const kept = keepRecent([...(samples.get(d.id) ?? []), { at: now, pending: d.pending, delivered: d.delivered }], now);
    samples.set(d.id, kept);
    if (d.pending === 0) return null;
    let detail: string;
    if (pausedIds.has(d.id) || d.state === 'paused') detail = t('overview.backlogPaused');
    else {
      const est = estimateBacklog(kept);
      if (est.ratePerMinute === null) detail = t('overview.backlogMeasuring');
      else if (est.etaMs === null) detail = t('overview.backlogStalled');
      else detail = t('overview.backlogRate', { rate: num(Math.round(est.ratePerMinute)), eta: duration(est.etaMs) });
    }
    return h(
      'li',
      { 'data-backlog-destination': d.id },
      h('strong', {}, d.name ?? d.id),
      ': ',
      t('overview.backlogAt', { count: num(d.pending) }),
      ' — ',
      h('span', { 'data-testid': `backlog-eta-${d.id}` }, detail),
      h('progress', { max: d.delivered + d.pending, value: d.delivered, 'aria-label': d.name ?? d.id }),
    );
  });
  if (owed === 0 && toConvert === 0 && filesWaiting === 0) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'backlog-title', 'data-testid': 'backlog' },
    h('h2', { id: 'backlog-title' }, t('overview.backlog')),
    h('p', { 'data-testid': 'backlog-records' }, t('overview.backlogLeft', { left: num(owed) })),
    toConvert > 0 || filesWaiting > 0 ? h('p', { class: 'muted', 'data-testid': 'backlog-unread' }, t('overview.backlogUnread', { records: num(toConvert), files: num(filesWaiting) })) : null,
    h('ul', { class: 'backlog-destinations' }, rows),
  );
}

function destinationState(d: DestinationStatusDto, paused: boolean): HTMLElement {
  return paused ? badge('paused', 'operator') : badge(d.state);
}

export function renderOverview(ctx: AppContext, root: HTMLElement): () => void {
  let range: '24h' | '7d' = '24h';
  let chart: ThroughputResponse | null = null;
  const chartBox = h('div', { class: 'chart-box' }, t('common.loading'));
  const body = h('div', {});
  const errorFiles = errorFilesPanel(ctx);

  const act = async (question: string, run: () => Promise<{ affected: number }>) => {
    if (!(await confirmAction(question))) return;
    try {
      const r = await run();
      ctx.notify(t('common.done', { count: r.affected }));
    } catch (err) {
      ctx.notify(errorText(err), 'error');
    }
  };

  const draw = (o: OverviewResponse) => {
    const s = o.status;
    const sourceRows = s.sources.map((src) =>
      h(
        'tr',
        { 'data-source': src.id },
        h('th', { scope: 'row' }, src.id),
        h('td', {}, src.type),
        h(
          'td',
          {},
          badge(src.state),
          src.detail ? h('div', { class: 'muted' }, src.detail) : null,
          src.warning ? h('div', { class: 'source-warning', 'data-testid': `source-warning-${src.id}` }, src.warning) : null,
        ),
        h('td', { class: 'num', 'data-testid': `received-today-${src.id}` }, num(o.receivedToday[src.id] ?? 0)),
        h('td', { class: 'num', 'data-testid': `received-total-${src.id}` }, num(src.received)),
        h('td', {}, dateTime(src.lastReceivedAt)),
      ),
    );
    const destRows = s.destinations.map((d) => {
      // "Tiếp tục gửi" on every paused destination: by an operator, or for refused credentials.
      const paused = o.pausedByOperator.includes(d.id) || d.state === 'paused';
      return h(
        'tr',
        { 'data-destination': d.id },
        h('th', { scope: 'row' }, d.name ?? d.id, h('div', { class: 'muted url' }, d.baseUrl)),
        h('td', {}, destinationState(d, paused)),
        h('td', { class: 'num', 'data-testid': `pending-${d.id}` }, num(d.pending)),
        h('td', { class: 'num', 'data-testid': `delivered-today-${d.id}` }, num(o.deliveredToday[d.id] ?? 0)),
        h('td', { class: 'num', 'data-testid': `delivered-${d.id}` }, num(d.delivered)),
        h('td', { class: 'num', 'data-testid': `rejected-${d.id}` }, num(d.rejected)),
        h('td', {}, dateTime(d.lastSuccessAt)),
        h(
          'td',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-testid': `${paused ? 'resume' : 'pause'}-${d.id}`,
              onclick: () =>
                act(t(paused ? 'confirm.resume' : 'confirm.pause', { destination: d.name ?? d.id }), () =>
                  ctx.api.act(paused ? { action: 'resume_destination', destinationId: d.id } : { action: 'pause_destination', destinationId: d.id }),
                ),
            },
            t(paused ? 'overview.resume' : 'overview.pause'),
          ),
          d.rejected > 0
            ? h(
                'button',
                {
                  type: 'button',
                  'data-testid': `retry-rejected-${d.id}`,
                  onclick: () => act(t('confirm.retryRejected', { count: d.rejected }), () => ctx.api.act({ action: 'retry_rejected', destinationId: d.id })),
                },
                t('overview.retryRejected', { count: d.rejected }),
              )
            : null,
        ),
      );
    });
    const ingesting = s.sources.filter((src) => src.progress);
    errorFiles.update(s.errorFiles);
    replaceChildren(
      body,
      healthBanner(o),
      h(
        'section',
        { class: 'counters', 'aria-label': t('overview.counts') },
        h('div', { class: 'counter' }, h('span', {}, t('overview.received')), h('strong', { 'data-testid': 'count-received' }, num(s.counts.received))),
        h('div', { class: 'counter' }, h('span', {}, t('overview.converted')), h('strong', { 'data-testid': 'count-converted' }, num(s.counts.converted))),
        h('div', { class: 'counter' }, h('span', {}, t('overview.invalid')), h('strong', { 'data-testid': 'count-invalid' }, num(s.counts.invalid))),
      ),
      ingesting.map((src) =>
        h(
          'section',
          { class: 'card', 'data-testid': `ingest-${src.id}` },
          h('p', {}, t('overview.ingesting', { file: src.progress!.file, records: num(src.progress!.records) })),
          h('progress', { max: src.progress!.bytesTotal, value: src.progress!.bytesRead, 'aria-label': src.progress!.file }),
        ),
      ),
      backlogSection(o, new Set(o.pausedByOperator)),
      errorFiles.element,
      table(t('overview.sources'), [t('overview.source'), t('overview.type'), t('overview.state'), t('overview.receivedToday'), t('overview.receivedTotal'), t('overview.lastReceived')], sourceRows, { 'data-testid': 'sources' }),
      table(
        t('overview.destinations'),
        [t('overview.destination'), t('overview.state'), t('overview.pending'), t('overview.deliveredToday'), t('overview.deliveredTotal'), t('overview.rejected'), t('overview.lastSuccess'), t('overview.actions')],
        destRows,
        { 'data-testid': 'destinations' },
      ),
    );
  };

  const loadChart = async () => {
    try {
      chart = await ctx.api.throughput(range);
      replaceChildren(chartBox, throughputChart(chart, (id) => destinationName(ctx, id)));
    } catch (err) {
      replaceChildren(chartBox, h('p', { class: 'error' }, errorText(err)));
    }
  };
  const rangeButton = (r: '24h' | '7d') =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        'aria-selected': range === r ? 'true' : 'false',
        class: 'tab',
        'data-range': r,
        onclick: (e: Event) => {
          range = r;
          for (const b of (e.currentTarget as HTMLElement).parentElement!.children) b.setAttribute('aria-selected', String(b.getAttribute('data-range') === r));
          void loadChart();
        },
      },
      t(r === '24h' ? 'overview.range24h' : 'overview.range7d'),
    );

  replaceChildren(
    root,
    h('h1', {}, t('overview.title')),
    body,
    h('section', { class: 'card', 'aria-labelledby': 'tp-title' }, h('h2', { id: 'tp-title' }, t('overview.throughput')), h('div', { role: 'tablist', class: 'tabs' }, rangeButton('24h'), rangeButton('7d')), chartBox),
  );
  const current = ctx.overview();
  if (current) draw(current);
  else body.textContent = t('common.loading');
  void loadChart();
  // The chart moves slowly: refresh it once a minute rather than on every event.
  const timer = setInterval(() => void loadChart(), 60_000);
  const off = ctx.onOverview(draw);
  return () => {
    clearInterval(timer);
    off();
  };
}

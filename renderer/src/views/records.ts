// Records: search by MA_LK / MA_BN / CCCD / name, date range, state and destination; pages of
// 50 newest first, moving by keyset (the id of the last row) so any page is as fast as the first.
import type { RecordListItemDto } from '../../../main/api/contract.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, num } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { badge, destinationName, errorText, table, type AppContext } from '../ui.js';

const STATES = ['received', 'converted', 'invalid', 'pending', 'retry_wait', 'in_flight', 'rejected', 'delivered', 'paused', 'cancelled'];
const PAGE = 50;

export interface RecordsQuery {
  q?: string;
  from?: string;
  to?: string;
  state?: string;
  destination?: string;
}

export function renderRecords(ctx: AppContext, root: HTMLElement, initial: RecordsQuery): () => void {
  let query = { ...initial };
  /** `before` of each page shown so far; the last is the current page. */
  let pages: (number | undefined)[] = [undefined];
  let next: number | null = null;
  const destinations = ctx.overview()?.status.destinations.map((d) => d.id) ?? [];
  const results = h('div', { 'aria-live': 'polite' });

  const field = (id: string, label: MessageKey, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id }, t(label)), control);
  const q = h('input', { id: 'rq', name: 'q', type: 'search', value: query.q ?? '', placeholder: t('records.query'), autocomplete: 'off' });
  const from = h('input', { id: 'rfrom', name: 'from', type: 'date', value: query.from ?? '' });
  const to = h('input', { id: 'rto', name: 'to', type: 'date', value: query.to ?? '' });
  const state = h('select', { id: 'rstate', name: 'state' }, h('option', { value: '' }, t('records.anyState')), STATES.map((s) => h('option', { value: s, selected: query.state === s }, t(`state.${s}` as MessageKey))));
  const dest = h('select', { id: 'rdest', name: 'destination' }, h('option', { value: '' }, t('records.anyDestination')), destinations.map((d) => h('option', { value: d, selected: query.destination === d }, d)));

  const row = (r: RecordListItemDto) =>
    h(
      'tr',
      { 'data-record': r.id },
      h('td', { class: 'num' }, h('a', { href: `#/records/${r.id}` }, String(r.id))),
      h(
        'td',
        {},
        h('a', { href: `#/records/${r.id}`, 'data-testid': 'record-key' }, r.recordKey ?? (r.origin ? t('record.originShort', { file: r.origin.file, n: r.origin.recordNumber ?? '?' }) : t('common.none'))),
      ),
      h(
        'td',
        { 'data-testid': 'record-patient' },
        r.patientName ?? (r.problem ? h('span', { class: 'error', 'data-testid': 'record-problem' }, r.problem.reason) : t('common.none')),
      ),
      h('td', {}, r.maBn ?? t('common.none')),
      h('td', {}, dateTime(r.receivedAt)),
      h('td', {}, badge(r.state), r.version > 1 ? h('span', { class: 'muted' }, ` v${r.version}`) : null),
      h(
        'td',
        {},
        r.deliveries.map((d) =>
          h('span', { class: 'delivery' }, `${destinationName(ctx, d.destinationId)}: `, badge(d.state), d.part ? h('span', { class: 'muted' }, ` ${t('record.part', { part: String(d.part.part), of: String(d.part.of) })}`) : null),
        ),
      ),
    );

  const load = async () => {
    results.setAttribute('aria-busy', 'true');
    try {
      const res = await ctx.api.records({ ...query, before: pages[pages.length - 1], limit: PAGE });
      next = res.nextBefore;
      const pager = h(
        'nav',
        { class: 'pager', 'aria-label': t('records.results') },
        h('button', { type: 'button', class: 'secondary', disabled: pages.length === 1, onclick: () => { pages = pages.slice(0, -1); void load(); } }, t('records.newer')),
        h('span', {}, t('records.page', { page: num(pages.length) })),
        h('button', { type: 'button', class: 'secondary', disabled: next === null, onclick: () => { pages = [...pages, next!]; void load(); } }, t('records.older')),
      );
      replaceChildren(
        results,
        res.items.length === 0
          ? h('p', { class: 'empty', 'data-testid': 'records-empty' }, t('records.empty'))
          : table(
              t('records.results'),
              [t('records.id'), t('records.maLk'), t('records.patient'), t('records.maBn'), t('records.receivedAt'), t('records.recordState'), t('records.deliveries')],
              res.items.map(row),
              { 'data-testid': 'records' },
            ),
        pager,
      );
    } catch (err) {
      replaceChildren(results, h('p', { class: 'error', role: 'alert' }, errorText(err)));
    } finally {
      results.removeAttribute('aria-busy');
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    query = { q: q.value.trim() || undefined, from: from.value || undefined, to: to.value || undefined, state: state.value || undefined, destination: dest.value || undefined };
    const params = new URLSearchParams(Object.entries(query).filter((kv): kv is [string, string] => !!kv[1]));
    history.replaceState(null, '', `#/records${params.size ? `?${params}` : ''}`);
    pages = [undefined];
    void load();
  };

  replaceChildren(
    root,
    h('h1', {}, t('records.title')),
    h(
      'form',
      { class: 'search', role: 'search', 'aria-label': t('records.search'), onsubmit: submit },
      h('div', { class: 'field wide' }, h('label', { for: 'rq' }, t('records.search')), q),
      field('rfrom', 'records.from', from),
      field('rto', 'records.to', to),
      field('rstate', 'records.state', state),
      field('rdest', 'records.destination', dest),
      h('div', { class: 'field buttons' }, h('button', { type: 'submit', 'data-testid': 'search-submit' }, t('records.submit')), h('a', { href: '#/records', class: 'button secondary' }, t('records.reset'))),
    ),
    results,
  );
  void load();
  return () => undefined;
}

// Throughput chart: received per bucket as bars, deliveries per destination as lines. Plain
// SVG (no chart library) drawn with presentation attributes, which the CSP allows.
import type { ThroughputResponse } from '../../main/api/contract.js';
import { h, svg } from './dom.js';
import { num, shortTime } from './format.js';
import { t } from './i18n/index.js';

const W = 720;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };
const LINE_COLOURS = ['#1b7f3b', '#7a3db8', '#c25e00', '#0b6e99'];

/** `nameOf` turns a destination id into the name people know it by. */
export function throughputChart(data: ThroughputResponse, nameOf: (id: string) => string = (id) => id): HTMLElement {
  const dests = Object.keys(data.buckets[0]?.delivered ?? {});
  const max = Math.max(1, ...data.buckets.flatMap((b) => [b.received, ...Object.values(b.delivered)]));
  const n = data.buckets.length;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (i + 0.5) * (plotW / n);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const barW = (plotW / n) * 0.6;
  const daily = data.range === '7d';
  const unit = t(daily ? 'overview.chartDay' : 'overview.chartHour');

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('overview.chartLabel', { unit }), class: 'chart' });
  for (const frac of [0, 0.5, 1]) {
    const v = Math.round(max * frac);
    root.appendChild(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), stroke: '#d0d5dd', 'stroke-width': 1 }));
    root.appendChild(svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#475467' }, num(v)));
  }
  data.buckets.forEach((b, i) => {
    const bar = svg('rect', { x: x(i) - barW / 2, y: y(b.received), width: barW, height: Math.max(0, PAD.top + plotH - y(b.received)), fill: '#9ec5fe' });
    bar.appendChild(svg('title', {}, `${shortTime(b.start, daily)}: ${t('overview.legendReceived')} ${num(b.received)}`));
    root.appendChild(bar);
    const every = daily ? 1 : 3;
    if (i % every === 0) root.appendChild(svg('text', { x: x(i), y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#475467' }, shortTime(b.start, daily)));
  });
  dests.forEach((d, k) => {
    const points = data.buckets.map((b, i) => `${x(i)},${y(b.delivered[d] ?? 0)}`).join(' ');
    root.appendChild(svg('polyline', { points, fill: 'none', stroke: LINE_COLOURS[k % LINE_COLOURS.length]!, 'stroke-width': 2 }));
  });

  // The numbers behind the chart, for screen readers and for anyone who prefers a table.
  const table = h(
    'table',
    { class: 'visually-hidden' },
    h('caption', {}, t('overview.chartLabel', { unit })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, unit), h('th', { scope: 'col' }, t('overview.legendReceived')), dests.map((d) => h('th', { scope: 'col' }, t('overview.legendDelivered', { destination: nameOf(d) }))))),
    h('tbody', {}, data.buckets.map((b) => h('tr', {}, h('th', { scope: 'row' }, shortTime(b.start, daily)), h('td', {}, num(b.received)), dests.map((d) => h('td', {}, num(b.delivered[d] ?? 0)))))),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch swatch-received' }), t('overview.legendReceived')),
    dests.map((d, k) => h('li', {}, h('span', { class: `swatch swatch-line-${k % LINE_COLOURS.length}` }), t('overview.legendDelivered', { destination: nameOf(d) }))),
  );
  const figure = h('figure', { class: 'chart-figure' });
  figure.append(root, legend, table);
  return figure;
}

// The one health banner (DESIGN §8): "Đồng bộ bình thường", or each problem in plain words
// with the action to take.
import type { OverviewResponse } from '../../../main/api/contract.js';
import { assessHealth } from '../../../main/api/health.js';
import { h } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';

export function healthBanner(o: OverviewResponse): HTMLElement {
  const health = assessHealth(o.status, { pausedByOperator: o.pausedByOperator, openInvalid: o.openInvalid });
  if (health.level === 'ok') {
    return h('section', { class: 'banner banner-ok', role: 'status', 'data-testid': 'health', 'data-level': 'ok' }, h('strong', {}, t('health.ok')), h('p', {}, t('health.okDetail')));
  }
  return h(
    'section',
    { class: `banner banner-${health.level}`, role: 'alert', 'data-testid': 'health', 'data-level': health.level },
    h('strong', {}, t('health.problemsTitle')),
    h(
      'ul',
      {},
      health.problems.map((p) => {
        // People read the destination's name, not its config id.
        const subject = o.status.destinations.find((d) => d.id === p.subject)?.name ?? p.subject ?? '';
        const params = { subject, count: p.count ?? 0 };
        return h(
          'li',
          { 'data-problem': p.code },
          h('span', { class: 'problem' }, t(`health.${p.code}` as MessageKey, params)),
          ' ',
          h('span', { class: 'action' }, t(`health.${p.code}.action` as MessageKey, params)),
          p.detail ? h('small', { class: 'detail' }, t('health.detail', { detail: p.detail })) : null,
        );
      }),
    ),
  );
}

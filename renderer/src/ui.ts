// Shared pieces of the screens: the app context, confirmation dialog, notices, state badges.
import type { OverviewResponse } from '../../main/api/contract.js';
import { Api, ApiError } from './api.js';
import { h } from './dom.js';
import { stateLabel, t } from './i18n/index.js';

export interface AppContext {
  api: Api;
  /** The newest overview (pushed by the server), null until the first arrives. */
  overview(): OverviewResponse | null;
  /** Called with every new overview until the returned function is called. */
  onOverview(listener: (o: OverviewResponse) => void): () => void;
  notify(text: string, kind?: 'info' | 'error'): void;
}

/** Plain words for an API failure, with what to do. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    if (err.status === 401) return t('error.unauthorized');
    if (err.status === 403 && err.code === 'forbidden') return t('error.forbidden');
    return t('error.server', { message: err.message });
  }
  return t('error.server', { message: (err as Error).message });
}

/** A modal question; resolves true only when the officer presses the confirm button. */
export function confirmAction(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-text' },
      h('p', { id: 'confirm-text' }, question),
      h(
        'form',
        { method: 'dialog', class: 'confirm-buttons' },
        h('button', { value: 'cancel', type: 'submit', class: 'secondary' }, t('common.cancel')),
        h('button', { value: 'ok', type: 'submit', 'data-testid': 'confirm-ok' }, t('common.confirm')),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

export function badge(state: string, extraClass = ''): HTMLElement {
  return h('span', { class: `badge state-${state} ${extraClass}`.trim(), 'data-state': state }, stateLabel(state));
}

export function table(caption: string, headers: string[], rows: HTMLTableRowElement[], attrs: Record<string, string> = {}): HTMLTableElement {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows),
  );
}

/** A destination's name for people (config `destinations[].name`), else its id. */
export function destinationName(ctx: Pick<AppContext, 'overview'>, id: string): string {
  return ctx.overview()?.status.destinations.find((d) => d.id === id)?.name ?? id;
}

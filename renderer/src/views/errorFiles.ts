// "Tệp lỗi": the files the watched folders could not read (DESIGN §8), each with its reason and
// next step in the officer's language, and the folder to open. Inside the desktop app the
// folder opens in the file manager; in a browser its path is shown to copy.
import type { ErrorFileListResponse, ErrorFilesSummary } from '../../../main/api/contract.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, num } from '../format.js';
import { t } from '../i18n/index.js';
import { errorText, table, type AppContext } from '../ui.js';

/** A panel that reloads its list only when the summary in the overview changes. */
export function errorFilesPanel(ctx: AppContext): { element: HTMLElement; update(summary: ErrorFilesSummary | undefined): void } {
  const element = h('section', { class: 'card error-files', 'aria-labelledby': 'error-files-title', 'data-testid': 'error-files', hidden: true });
  let shown = '';

  const draw = (list: ErrorFileListResponse) => {
    const rows = list.items.map((f) =>
      h(
        'tr',
        { 'data-error-file': f.name, class: f.isNew ? 'is-new' : '' },
        h('th', { scope: 'row' }, f.name, f.isNew ? h('span', { class: 'badge state-new' }, t('errorFiles.new')) : null),
        h('td', {}, h('div', { 'data-testid': 'error-file-reason' }, f.reason), h('div', { class: 'muted', 'data-testid': 'error-file-action' }, f.action)),
        h('td', {}, dateTime(f.at)),
        h('td', {}, folderCell(ctx, f.folder)),
      ),
    );
    replaceChildren(
      element,
      h('h2', { id: 'error-files-title' }, t('errorFiles.title'), ' ', h('span', { class: 'count', 'data-testid': 'error-files-count' }, num(list.total))),
      h('p', { class: 'muted' }, t('errorFiles.intro')),
      table(t('errorFiles.title'), [t('errorFiles.name'), `${t('errorFiles.reason')} / ${t('errorFiles.action')}`, t('errorFiles.at'), t('errorFiles.folder')], rows),
      list.total > list.items.length ? h('p', { class: 'muted' }, t('errorFiles.more', { count: num(list.total - list.items.length) })) : null,
      list.items.some((f) => f.isNew)
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary no-print',
              'data-testid': 'error-files-seen',
              onclick: async () => {
                try {
                  await ctx.api.markErrorFilesSeen();
                  shown = '';
                } catch (err) {
                  ctx.notify(errorText(err), 'error');
                }
              },
            },
            t('errorFiles.markSeen'),
          )
        : null,
    );
  };

  return {
    element,
    update(summary) {
      const count = summary?.count ?? 0;
      element.hidden = count === 0;
      const key = `${count}|${summary?.new ?? 0}|${summary?.lastAt ?? ''}`;
      if (count === 0 || key === shown) return;
      shown = key;
      ctx.api.errorFiles().then(draw, (err: unknown) => replaceChildren(element, h('p', { class: 'error' }, errorText(err))));
    },
  };
}

function folderCell(ctx: AppContext, folder: string): HTMLElement {
  const bridge = window.vhr;
  if (!bridge?.openErrorFolder) return h('code', { class: 'path' }, folder);
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary no-print',
      title: folder,
      onclick: async () => {
        if (!(await bridge.openErrorFolder(folder))) ctx.notify(t('errorFiles.openFailed'), 'error');
      },
    },
    t('errorFiles.open'),
  );
}

// Settings: the configuration in force (secrets masked), a connection test per destination,
// whether the ministry manages it, and the audit log of operator actions.
import type { ConfigViewResponse } from '../../../main/api/contract.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, num } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { errorText, table, type AppContext } from '../ui.js';

/** Labels people read for the usual keys; any other key is shown as written in the file. */
const KEY_LABELS: Partial<Record<string, MessageKey>> = {
  type: 'settings.key.type',
  path: 'settings.key.path',
  format: 'settings.key.format',
  quietMs: 'settings.key.quietMs',
  processedDir: 'settings.key.processedDir',
  errorDir: 'settings.key.errorDir',
  maxFileBytes: 'settings.key.maxFileBytes',
  maxRecordBytes: 'settings.key.maxRecordBytes',
  baseUrl: 'settings.key.baseUrl',
  mode: 'settings.key.mode',
  timeoutMs: 'settings.key.timeoutMs',
  'auth.type': 'settings.key.authType',
  'auth.tokenUrl': 'settings.key.tokenUrl',
  'auth.clientId': 'settings.key.clientId',
  'auth.clientSecret': 'settings.key.clientSecret',
  'auth.token': 'settings.key.token',
  name: 'settings.key.name',
};

/** A value in the unit people think in: seconds and minutes for *Ms, MiB/GiB for *Bytes. */
function readable(key: string, v: unknown): string {
  if (typeof v === 'number' && /Ms$/.test(key)) {
    if (v >= 60_000 && v % 60_000 === 0) return t('settings.unit.minutes', { n: num(v / 60_000) });
    return t('settings.unit.seconds', { n: num(v / 1000) });
  }
  if (typeof v === 'number' && /Bytes$/.test(key)) {
    const gib = v / 1024 ** 3;
    return gib >= 1 ? `${num(Math.round(gib * 10) / 10)} GiB` : `${num(Math.round((v / 1024 ** 2) * 10) / 10)} MiB`;
  }
  if (Array.isArray(v)) return v.length ? v.map(String).join(', ') : '—';
  return String(v ?? '—');
}

/** One row per setting, nested ones (auth, tls) flattened to dotted keys; secrets arrive masked. */
function keyValues(o: Record<string, unknown>): HTMLElement {
  const rows: [string, unknown][] = [];
  const walk = (prefix: string, value: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(value)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(key, v as Record<string, unknown>);
      else rows.push([key, v]);
    }
  };
  walk('', o);
  return h(
    'dl',
    { class: 'facts' },
    rows.flatMap(([k, v]) => {
      const label = KEY_LABELS[k];
      return [h('dt', { title: k }, label ? t(label) : k), h('dd', { 'data-key': k }, readable(k, v))];
    }),
  );
}

function drawConfig(ctx: AppContext, c: ConfigViewResponse): HTMLElement[] {
  const managed = c.managed
    ? h('p', { class: 'badge-managed managed', 'data-testid': 'managed-badge' }, t('settings.managed', { version: c.managed.version }))
    : h('p', { class: 'badge-managed local', 'data-testid': 'managed-badge' }, t('settings.local'));
  return [
    managed,
    importForm(ctx),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'facility-title' },
      h('h2', { id: 'facility-title' }, t('settings.facility')),
      h('dl', { class: 'facts' }, h('dt', {}, t('settings.code')), h('dd', {}, c.facility.code), h('dt', {}, t('settings.name')), h('dd', {}, c.facility.name ?? '—'), h('dt', {}, t('settings.dataDir')), h('dd', {}, c.dataDir)),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'sources-title' }, h('h2', { id: 'sources-title' }, t('settings.sources')), c.sources.map((s) => h('div', { class: 'config-item' }, h('h3', {}, String(s.id)), keyValues(s)))),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'dest-title' },
      h('h2', { id: 'dest-title' }, t('settings.destinations')),
      h('p', { class: 'muted' }, t('settings.secretNote')),
      c.destinations.map((d) => {
        const id = String(d.id);
        const result = h('p', { class: 'test-result', role: 'status', 'data-testid': `test-result-${id}` });
        const button = h(
          'button',
          {
            type: 'button',
            'data-testid': `test-${id}`,
            onclick: async () => {
              button.disabled = true;
              result.className = 'test-result';
              result.textContent = t('settings.testing');
              try {
                const r = await ctx.api.testConnection(id);
                result.className = `test-result ${r.ok ? 'ok' : 'error'}`;
                result.textContent = `${document.documentElement.lang === 'en' ? r.message : r.messageVi} (${num(r.durationMs)} ms)`;
                // A good connection to a paused destination: offer to send again at once.
                const paused = ctx.overview()?.status.destinations.find((x) => x.id === id)?.state === 'paused';
                if (r.ok && paused) result.append(' ', resumeOffer(ctx, id, result));
              } catch (err) {
                result.className = 'test-result error';
                result.textContent = errorText(err);
              } finally {
                button.disabled = false;
              }
            },
          },
          t('settings.testConnection'),
        );
        return h('div', { class: 'config-item', 'data-destination': id }, h('h3', {}, typeof d.name === 'string' ? `${d.name} (${id})` : id), keyValues(d), button, result);
      }),
    ),
  ];
}

/**
 * A facility without internet receives the ministry's signed configuration as a file: the
 * agent checks signature, version and content before anything changes (DESIGN §7).
 */
function importForm(ctx: AppContext): HTMLElement {
  const file = h('input', { type: 'file', accept: '.json,application/json', id: 'managed-file', 'data-testid': 'managed-file' });
  const result = h('p', { class: 'test-result', role: 'status', 'data-testid': 'managed-import-result' });
  const button = h(
    'button',
    {
      type: 'button',
      'data-testid': 'managed-import',
      onclick: async () => {
        const chosen = file.files?.[0];
        if (!chosen) return void (result.textContent = t('settings.importChoose'));
        if (!window.confirm(t('settings.importConfirm', { file: chosen.name }))) return;
        button.disabled = true;
        result.className = 'test-result';
        result.textContent = t('common.loading');
        try {
          let doc: unknown;
          try {
            doc = JSON.parse(await chosen.text());
          } catch {
            result.className = 'test-result error';
            return void (result.textContent = t('settings.importNotJson'));
          }
          const r = await ctx.api.importConfig(doc);
          result.className = `test-result ${r.applied ? 'ok' : 'error'}`;
          result.textContent = r.applied ? t('settings.importApplied', { version: r.version }) : t('settings.importRefused', { code: r.code, reason: r.reason });
        } catch (err) {
          result.className = 'test-result error';
          result.textContent = errorText(err);
        } finally {
          button.disabled = false;
        }
      },
    },
    t('settings.import'),
  );
  return h('section', { class: 'card', 'aria-labelledby': 'import-title' }, h('h2', { id: 'import-title' }, t('settings.importTitle')), h('label', { for: 'managed-file' }, t('settings.importLabel')), file, button, result);
}

export function renderSettings(ctx: AppContext, root: HTMLElement): () => void {
  const configBox = h('div', {}, t('common.loading'));
  const auditBox = h('section', { class: 'card', 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title' }, t('settings.audit')), t('common.loading'));
  replaceChildren(root, h('h1', {}, t('settings.title')), configBox, auditBox);
  void ctx.api.config().then(
    (c) => replaceChildren(configBox, ...drawConfig(ctx, c)),
    (err) => replaceChildren(configBox, h('p', { class: 'error', role: 'alert' }, errorText(err))),
  );
  void ctx.api.audit().then(
    (a) =>
      replaceChildren(
        auditBox,
        h('h2', { id: 'audit-title' }, t('settings.audit')),
        a.items.length === 0
          ? h('p', {}, t('settings.auditEmpty'))
          : table(
              t('settings.audit'),
              [t('settings.auditAt'), t('settings.auditAction'), t('settings.auditTarget'), t('settings.auditActor'), t('settings.auditAffected')],
              a.items.map((e) => h('tr', {}, h('td', {}, dateTime(e.at)), h('td', {}, t(`action.${e.action}` as MessageKey)), h('td', {}, e.target ?? '—'), h('td', {}, e.actor), h('td', { class: 'num' }, num(e.affected)))),
              { 'data-testid': 'audit' },
            ),
      ),
    (err) => replaceChildren(auditBox, h('p', { class: 'error', role: 'alert' }, errorText(err))),
  );
  return () => undefined;
}

/** "Tiếp tục gửi" beside a good connection test of a paused destination. */
function resumeOffer(ctx: AppContext, id: string, result: HTMLElement): HTMLElement {
  const button = h(
    'button',
    {
      type: 'button',
      'data-testid': `resume-after-test-${id}`,
      onclick: async () => {
        button.disabled = true;
        try {
          await ctx.api.act({ action: 'resume_destination', destinationId: id });
          result.textContent = t('settings.resumed');
        } catch (err) {
          ctx.notify(errorText(err), 'error');
          button.disabled = false;
        }
      },
    },
    t('overview.resume'),
  );
  return button;
}

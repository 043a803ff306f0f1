// The status UI's entry: credentials, layout, hash routes, live overview over SSE, language.
import { dateTime } from './format.js';
import type { OverviewResponse } from '../../main/api/contract.js';
import { Api } from './api.js';
import { forgetCredentials, keepSessionToken, onLan, readCredentials } from './auth.js';
import { h, replaceChildren } from './dom.js';
import { lang, setLang, t, type MessageKey } from './i18n/index.js';
import type { AppContext } from './ui.js';
import { renderOverview } from './views/overview.js';
import { renderRecord } from './views/record.js';
import { renderRecords, type RecordsQuery } from './views/records.js';
import { renderReports } from './views/reports.js';
import { renderSettings } from './views/settings.js';
import { renderSignIn } from './views/signIn.js';
import { langSwitch } from './views/langSwitch.js';
import type { SessionResponse } from '../../main/api/contract.js';
import './styles.css';

const app = document.getElementById('app')!;
setLang(lang());

const creds = readCredentials();
if (onLan()) {
  // The hospital LAN: a person signs in; when the session ends the page asks again.
  const signIn = (notice?: string) => renderSignIn(app, (s) => start(lanApi(keepSessionToken(s.token)), s), notice);
  const lanApi = (c: NonNullable<typeof creds>) =>
    new Api(c, () => {
      forgetCredentials();
      location.reload();
    });
  if (creds) {
    const api = lanApi(creds);
    api.session().then(
      (s) => start(api, s),
      () => signIn(t('signIn.expired')),
    );
  } else signIn();
} else if (!creds) {
  replaceChildren(app, h('main', { class: 'fatal' }, h('h1', {}, t('app.title')), h('p', { role: 'alert' }, t('error.noToken'))));
} else {
  start(new Api(creds));
}

function start(api: Api, session?: SessionResponse): void {
  let overview: OverviewResponse | null = null;
  const listeners = new Set<(o: OverviewResponse) => void>();
  let cleanup: () => void = () => undefined;
  let live = false;

  const notices = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
  const ctx: AppContext = {
    api,
    overview: () => overview,
    onOverview(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(text, kind = 'info') {
      const n = h('p', { class: `notice ${kind}`, 'data-testid': 'notice' }, text);
      notices.replaceChildren(n);
      setTimeout(() => n.remove(), 8000);
    },
  };

  const main = h('main', { id: 'content', tabindex: '-1' });
  const liveText = h('span', { class: 'live', 'data-testid': 'live' });
  const header = h('header', {});

  const drawHeader = () => {
    const route = location.hash.split(/[/?]/)[1] || 'overview';
    const link = (name: string, key: MessageKey) => h('a', { href: `#/${name}`, 'aria-current': route === name ? 'page' : null }, t(key));
    const facility = overview?.status.facility;
    replaceChildren(
      header,
      h('a', { href: '#content', class: 'skip', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, t('nav.skip')),
      h('div', { class: 'brand' }, h('strong', {}, t('app.title')), facility ? h('span', { class: 'muted' }, t('app.facility', { name: facility.name ?? '', code: facility.code })) : null),
      h('nav', { 'aria-label': t('nav.label') }, link('overview', 'nav.overview'), link('records', 'nav.records'), link('reports', 'nav.reports'), link('settings', 'nav.settings')),
      liveText,
      session?.user
        ? h(
            'span',
            { class: 'who' },
            h('span', { 'data-testid': 'signed-in-as' }, t('signIn.signedInAs', { user: session.user, role: t(session.role === 'admin' ? 'role.admin' : 'role.officer') })),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-testid': 'sign-out',
                onclick: () => {
                  void api.signOut().finally(() => {
                    forgetCredentials();
                    location.reload();
                  });
                },
              },
              t('signIn.signOut'),
            ),
          )
        : null,
      langSwitch(() => route_()),
    );
    drawLive();
  };
  // When the agent stops answering, what is on screen is old: say so, and grey every badge
  // (styles.css, body.stale) so no green "Hoạt động" stays up for an agent that is gone.
  const staleBanner = h('div', { class: 'banner banner-stale', role: 'alert', 'data-testid': 'stale', hidden: true });
  let lostAt: Date | null = null;
  const drawLive = () => {
    liveText.textContent = live ? t('live.connected') : t('live.reconnecting');
    liveText.className = `live ${live ? 'on' : 'off'}`;
    const stale = !live && overview !== null;
    if (stale && !lostAt) lostAt = new Date();
    if (!stale) lostAt = null;
    document.body.classList.toggle('stale', stale);
    staleBanner.hidden = !stale;
    if (stale) replaceChildren(staleBanner, h('strong', {}, t('stale.title')), ' ', t('stale.detail', { at: dateTime(lostAt!.toISOString()) }));
  };

  const route_ = () => {
    cleanup();
    drawHeader();
    const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
    const parts = (path || '/overview').split('/').filter(Boolean);
    const params = Object.fromEntries(new URLSearchParams(search)) as RecordsQuery;
    if (parts[0] === 'records' && parts[1] && /^\d+$/.test(parts[1])) cleanup = renderRecord(ctx, main, Number(parts[1]));
    else if (parts[0] === 'records') cleanup = renderRecords(ctx, main, params);
    else if (parts[0] === 'reports') cleanup = renderReports(ctx, main);
    else if (parts[0] === 'settings') cleanup = renderSettings(ctx, main);
    else cleanup = renderOverview(ctx, main);
    document.title = `${main.querySelector('h1')?.textContent ?? ''} — VHR Agent`;
  };

  replaceChildren(app, header, staleBanner, notices, main);
  window.addEventListener('hashchange', route_);
  route_();

  const receive = (o: OverviewResponse) => {
    const first = overview === null;
    overview = o;
    if (first) drawHeader();
    for (const l of listeners) l(o);
  };
  // The first overview by a plain request, so the screen fills even before the stream opens.
  void api.overview().then(receive, () => undefined);
  void api.follow(
    (event, data) => {
      if (event === 'overview') receive(data as OverviewResponse);
    },
    (connected) => {
      live = connected;
      drawLive();
    },
    new AbortController().signal,
  );
}

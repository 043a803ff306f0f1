// The sign-in of the status screen on the hospital LAN (docs/service.md §5): user name and
// password, in Vietnamese first with the same language switch as the rest. The answer is a
// session token kept for this tab only and sent like the loopback token; no cookie is set.
import type { SignInResponse } from '../../../main/api/contract.js';
import { pathTo, ROUTES } from '../../../main/api/routeTable.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import { langSwitch } from './langSwitch.js';

export function renderSignIn(root: HTMLElement, onSignedIn: (s: SignInResponse) => void, notice?: string): void {
  const message = h('p', { class: 'sign-in-error', role: 'alert', 'data-testid': 'sign-in-error' }, notice ?? '');
  const username = h('input', { id: 'sign-in-user', name: 'username', autocomplete: 'username', required: true, autofocus: true, 'data-testid': 'sign-in-user' });
  const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'sign-in-password' });
  const submit = h('button', { type: 'submit', 'data-testid': 'sign-in-submit' }, t('signIn.submit'));
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('label', { for: 'sign-in-user' }, t('signIn.username')),
    username,
    h('label', { for: 'sign-in-password' }, t('signIn.password')),
    password,
    message,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    void signIn(username.value, password.value).then(
      (r) => {
        password.value = '';
        if ('token' in r) onSignedIn(r);
        else {
          message.textContent = r.status === 429 ? t('signIn.locked', { minutes: Math.max(1, Math.ceil((r.retryAfterMs ?? 60_000) / 60_000)) }) : r.status === 401 ? t('signIn.wrong') : t('error.server', { message: r.message });
          submit.disabled = false;
          password.focus();
        }
      },
      () => {
        message.textContent = t('error.network');
        submit.disabled = false;
      },
    );
  });
  replaceChildren(
    root,
    h(
      'main',
      { class: 'sign-in-page' },
      h('h1', { id: 'sign-in-title' }, t('app.title'), ' — ', t('signIn.title')),
      h('p', {}, t('signIn.intro')),
      form,
      langSwitch(() => renderSignIn(root, onSignedIn, message.textContent || undefined)),
    ),
  );
  document.title = `${t('signIn.title')} — VHR Agent`;
}

type Refusal = { status: number; message: string; retryAfterMs?: number };

async function signIn(username: string, password: string): Promise<SignInResponse | Refusal> {
  const res = await fetch(pathTo(ROUTES.signIn), {
    method: ROUTES.signIn.method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
    cache: 'no-store',
  });
  const body = (await res.json().catch(() => ({}))) as Partial<SignInResponse> & { message?: string; retryAfterMs?: number };
  if (res.ok && typeof body.token === 'string') return body as SignInResponse;
  return { status: res.status, message: body.message ?? `HTTP ${res.status}`, retryAfterMs: body.retryAfterMs };
}

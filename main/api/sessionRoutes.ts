// Sign-in, sign-out and "who am I" of the status screen (docs/service.md §5). On loopback the
// token holder has every right, as before; on the LAN listener the person signed in.
import { badRequest, handle, notFound, type ApiRoute } from './server.js';
import { ROUTES } from './routeTable.js';
import type { SessionResponse, SignInResponse } from './contract.js';
import type { LanAuth } from '../auth/lanAuth.js';

export function sessionRoutes(auth: Pick<LanAuth, 'signIn' | 'signOut'> | undefined): ApiRoute[] {
  const routes: ApiRoute[] = [
    handle(ROUTES.session, ({ principal }) => {
      const json: SessionResponse = principal
        ? { channel: 'lan', user: principal.user, role: principal.role, expiresAt: new Date(principal.expiresAt).toISOString() }
        : { channel: 'loopback', user: null, role: 'admin', expiresAt: null };
      return { json };
    }),
    handle(ROUTES.signOut, ({ bearer, principal }) => {
      if (principal) auth?.signOut(bearer);
      return { json: { signedOut: true as const } };
    }),
  ];
  routes.push({
      ...handle(ROUTES.signIn, async ({ body, client }) => {
        if (!auth) return notFound('the status screen for other desks is off (statusApi.lan)');
        const b = body as { username?: unknown; password?: unknown } | undefined;
        if (typeof b?.username !== 'string' || typeof b.password !== 'string') return badRequest('give "username" and "password"');
        const r = await auth.signIn(b.username, b.password, client?.address ?? 'unknown');
        if (!r.ok) {
          // A locked sign-in says for how long, so the page can tell the officer.
          const refusal = { error: r.error, message: r.message, ...(r.retryAfterMs === undefined ? {} : { retryAfterMs: r.retryAfterMs }) };
          return { status: r.status, json: refusal };
        }
        const json: SignInResponse = { channel: 'lan', user: r.principal.user, role: r.principal.role, expiresAt: new Date(r.principal.expiresAt).toISOString(), token: r.token };
        return { json };
      }),
      public: true,
    });
  return routes;
}

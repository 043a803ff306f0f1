// The status API's second listener, for the hospital LAN (docs/service.md §5): TLS only, a
// person's session instead of the loopback token, each route checked against the role, the
// page's own origin only; and the loopback listener exactly as before (server.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { ApiServer, handle, type ApiRoute } from './server.js';
import { pathTo, ROUTES } from './routeTable.js';
import { generateSelfSignedCertificate } from '../auth/selfSignedCert.js';
import type { Principal } from '../auth/lanAuth.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const CERT = generateSelfSignedCertificate({ names: ['localhost', '127.0.0.1'] });
const SESSIONS: Record<string, Principal> = {
  'officer-session': { user: 'lan.nguyen', role: 'officer', expiresAt: Date.now() + 3_600_000 },
  'admin-session': { user: 'it.tran', role: 'admin', expiresAt: Date.now() + 3_600_000 },
};

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Calls made to the handlers, with who made them. */
const calls: string[] = [];

async function start(): Promise<{ loopback: string; lan: string }> {
  calls.length = 0;
  const routes: ApiRoute[] = [
    handle(ROUTES.status, ({ principal }) => {
      calls.push(`status:${principal?.user ?? 'token'}`);
      return { json: {} as never };
    }),
    handle(ROUTES.act, ({ body, principal, client }) => {
      calls.push(`act:${(body as { action: string }).action}:${principal?.user ?? 'token'}:${client?.channel}`);
      return { json: { action: 'cancel' as const, affected: 0, auditId: 1 } };
    }),
    handle(ROUTES.config, () => {
      calls.push('config');
      return { json: {} as never };
    }),
    {
      ...handle(ROUTES.signIn, ({ client }) => {
        calls.push(`sign-in:${client?.channel}:${client?.address}`);
        return { status: 401, json: { error: 'wrong_credentials', message: 'no' } };
      }),
      public: true,
    },
  ];
  server = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    routes,
    lan: { host: '127.0.0.1', port: 0, cert: CERT.certPem, key: CERT.keyPem, auth: { authenticate: (t) => (t ? (SESSIONS[t] ?? null) : null) } },
  });
  const loopback = await server.start();
  return { loopback, lan: server.lanUrl };
}

/** HTTPS to the LAN listener, pinning its certificate (it is the only one trusted). */
function lanCall(base: string, path: string, opts: { method?: string; bearer?: string; body?: unknown; origin?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: CERT.certPem,
        servername: 'localhost',
        headers: {
          ...(opts.bearer ? { Authorization: `Bearer ${opts.bearer}` } : {}),
          ...(opts.origin ? { Origin: opts.origin } : {}),
          ...(opts.body ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(opts.body ? JSON.stringify(opts.body) : undefined);
  });
}

describe('LAN listener', () => {
  it('speaks TLS only, with the certificate given', async () => {
    const { lan } = await start();
    expect(lan).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(lan.replace('https:', 'http:') + '/api/status')).rejects.toThrow();
    expect((await lanCall(lan, pathTo(ROUTES.status), { bearer: 'admin-session' })).status).toBe(200);
  });

  it('wants a session: the loopback token, no token or an unknown one get 401 and reach no handler', async () => {
    const { lan } = await start();
    for (const bearer of [TOKEN, undefined, 'forged']) expect((await lanCall(lan, pathTo(ROUTES.status), { bearer })).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('checks the role before the handler runs: an officer may cancel, not pause nor read the configuration', async () => {
    const { lan } = await start();
    const act = (bearer: string, action: string) => lanCall(lan, pathTo(ROUTES.act), { method: 'POST', bearer, body: { action, messageId: 1, destinationId: 'province' } });
    expect((await act('officer-session', 'cancel')).status).toBe(200);
    const paused = await act('officer-session', 'pause_destination');
    expect(paused).toEqual({ status: 403, body: { error: 'forbidden', message: 'only an IT administrator may pause or resume a destination' } });
    expect((await lanCall(lan, pathTo(ROUTES.config), { bearer: 'officer-session' })).status).toBe(403);
    expect((await act('admin-session', 'pause_destination')).status).toBe(200);
    expect((await lanCall(lan, pathTo(ROUTES.config), { bearer: 'admin-session' })).status).toBe(200);
    expect(calls).toEqual(['act:cancel:lan.nguyen:lan', 'act:pause_destination:it.tran:lan', 'config']);
  });

  it('opens the sign-in without a token, on the LAN only, and tells it the client address', async () => {
    const { lan, loopback } = await start();
    expect((await lanCall(lan, pathTo(ROUTES.signIn), { method: 'POST', body: { username: 'x', password: 'y' } })).status).toBe(401);
    const onLoopback = await fetch(`${loopback}${pathTo(ROUTES.signIn)}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(onLoopback.status).toBe(404);
    expect(calls).toEqual(['sign-in:lan:127.0.0.1']);
  });

  it('answers only the page it served: another origin is refused even with a session', async () => {
    const { lan } = await start();
    const port = new URL(lan).port;
    expect((await lanCall(lan, pathTo(ROUTES.status), { bearer: 'admin-session', origin: 'https://evil.example' })).status).toBe(403);
    expect((await lanCall(lan, pathTo(ROUTES.status), { bearer: 'admin-session', origin: `http://127.0.0.1:${port}` })).status).toBe(403);
    expect((await lanCall(lan, pathTo(ROUTES.status), { bearer: 'admin-session', origin: `https://127.0.0.1:${port}` })).status).toBe(200);
  });

  it('leaves the loopback listener as it was: the token works there, a session does not', async () => {
    const { loopback } = await start();
    expect((await fetch(`${loopback}${pathTo(ROUTES.status)}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${loopback}${pathTo(ROUTES.status)}`, { headers: { Authorization: 'Bearer admin-session' } })).status).toBe(401);
    expect(calls).toEqual(['status:token']);
  });
});

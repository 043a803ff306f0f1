// The status API's own defences (DESIGN §9, docs/security.md): loopback only, a bearer token on
// every /api endpoint, no cookies, the UI's origin only, wrong tokens throttled, CSP everywhere.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { ApiServer, AUTH_THROTTLE, handle, tokenMatches } from './server.js';
import { API_PREFIX, pathTo, ROUTES } from './routeTable.js';
import { parseConfigText } from '../config/load.js';
import { ConfigError } from '../config/schema.js';
import { tempDir } from '../../test/support/tempDir.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
let server: ApiServer | undefined;
let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  tmp?.cleanup();
  tmp = undefined;
});

async function start(opts: { now?: () => number } = {}): Promise<string> {
  tmp = tempDir('vhr-api-');
  writeFileSync(join(tmp.path, 'index.html'), '<!doctype html><title>vhr</title>');
  server = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir: tmp.path,
    now: opts.now,
    routes: [
      { method: 'GET', path: ROUTES.status.path, handle: () => ({ json: { ok: true } }) },
      { method: 'POST', path: ROUTES.act.path, handle: () => ({ json: { done: true } }) },
      handle(ROUTES.message, ({ params }) => ({ status: 404, json: { error: 'not_found', message: `asked for ${params.id}` } })),
    ],
  });
  return server.start();
}

const bearer = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

describe('status API', () => {
  it('never sets a cookie, whatever the answer', async () => {
    const url = await start();
    const answers = await Promise.all([
      fetch(`${url}/`),
      fetch(`${url}/missing.js`),
      fetch(`${url}${pathTo(ROUTES.status)}`, { headers: bearer() }),
      fetch(`${url}${pathTo(ROUTES.status)}`, { headers: bearer('wrong') }),
      fetch(`${url}${API_PREFIX}nothing`, { headers: bearer() }),
      fetch(`${url}${pathTo(ROUTES.act)}`, { method: 'POST', headers: bearer(), body: '{}' }),
      fetch(`${url}${pathTo(ROUTES.status)}`, { headers: { ...bearer(), Origin: 'http://evil.example' } }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 404, 200, 401, 404, 200, 403]);
    expect(answers.map((r) => r.headers.get('set-cookie'))).toEqual(Array(answers.length).fill(null));
  });

  it('hands a route its path parameters decoded, as the table names them', async () => {
    const url = await start();
    const res = await fetch(`${url}${pathTo(ROUTES.message, { params: { id: 'hồ sơ 7' } })}`, { headers: bearer() });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', message: 'asked for hồ sơ 7' });
  });

  it('answers only its own origin: another site, a local file ("null") → 403, even with the token', async () => {
    const url = await start();
    const status = async (origin?: string) => (await fetch(`${url}${pathTo(ROUTES.status)}`, { headers: { ...bearer(), ...(origin ? { Origin: origin } : {}) } })).status;
    expect(await status('http://evil.example')).toBe(403);
    expect(await status('null')).toBe(403);
    expect(await status(url.replace('127.0.0.1', 'localhost'))).toBe(403);
    expect(await status(url)).toBe(200);
    expect(await status()).toBe(200); // same-origin GETs from the UI carry no Origin
    const post = await fetch(`${url}${pathTo(ROUTES.act)}`, { method: 'POST', headers: { ...bearer(), Origin: 'http://evil.example' }, body: '{}' });
    expect(post.status).toBe(403);
  });

  it('throttles only requests without a valid token: 40 token-less requests, then the token holder gets 200', async () => {
    let now = 1_000_000;
    const url = await start({ now: () => now });
    const statusWith = async (token?: string) => (await fetch(`${url}${pathTo(ROUTES.status)}`, { headers: token === undefined ? {} : bearer(token) })).status;
    const tokenless: number[] = [];
    for (let i = 0; i < 40; i++) tokenless.push(await statusWith(i % 2 ? undefined : `guess-${i}`));
    expect(tokenless.slice(0, AUTH_THROTTLE.maxFailures)).toEqual(Array(AUTH_THROTTLE.maxFailures).fill(401));
    expect(tokenless.slice(AUTH_THROTTLE.maxFailures)).toEqual(Array(40 - AUTH_THROTTLE.maxFailures).fill(429));
    expect(await statusWith(TOKEN)).toBe(200); // the rightful user (UI, `vhr-agent status`) is never locked out
    expect(await statusWith('guess-41')).toBe(429);
    now += AUTH_THROTTLE.windowMs + 1;
    expect(await statusWith('guess-again')).toBe(401);
  });

  it('answers only requests addressed to its bound address (DNS rebinding), static files included', async () => {
    const url = await start();
    const { port } = new URL(url);
    const withHost = (host: string, path = '/') =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host, ...bearer() } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await withHost(`evil.example:${port}`)).toBe(421);
    expect(await withHost(`evil.example:${port}`, pathTo(ROUTES.status))).toBe(421);
    expect(await withHost('127.0.0.1')).toBe(421);
    expect(await withHost(`127.0.0.1:${port}`)).toBe(200);
    expect(await withHost(`localhost:${port}`, pathTo(ROUTES.status))).toBe(200);
  });

  it('malformed percent-encoding is a 400 with a generic text, never internal details', async () => {
    const url = await start();
    for (const path of [`${API_PREFIX}messages/%E0%A4%A`, '/%E0%A4%A']) {
      const res = await fetch(`${url}${path}`, { headers: bearer() });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'bad_request', message: 'malformed percent-encoding in the URL' });
    }
  });

  it('serves the UI files with the content security policy and no-store', async () => {
    const url = await start();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
    expect([res.headers.get('x-content-type-options'), res.headers.get('cache-control'), res.headers.get('referrer-policy')]).toEqual(['nosniff', 'no-store', 'no-referrer']);
    const escape = await fetch(`${url}/..%2f..%2fetc%2fpasswd`);
    expect(escape.status).toBe(404);
  });

  it('refuses to listen anywhere but loopback, in the configuration and in the server itself', async () => {
    const yaml = (host: string) => `facility: { code: "94170" }\ndataDir: ./data\nstatusApi: { host: "${host}" }\n`;
    expect(() => parseConfigText(yaml('0.0.0.0'), '/tmp')).toThrow(ConfigError);
    expect(() => parseConfigText(yaml('192.168.1.10'), '/tmp')).toThrow(/statusApi.host: the status API listens on loopback only/);
    expect(parseConfigText(yaml('::1'), '/tmp').statusApi.host).toBe('::1');
    const open = new ApiServer({ host: '0.0.0.0', port: 0, token: TOKEN, routes: [] });
    await expect(open.start()).rejects.toThrow(/loopback only/);
  });
});

describe('token comparison', () => {
  it('accepts only the exact token', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    for (const wrong of [undefined, '', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), ` ${TOKEN}`]) expect(tokenMatches(wrong, TOKEN)).toBe(false);
  });
});

// The UI's pure parts under plain Node: catalogues, backlog estimate, health verdict, the
// server-sent event stream, masked configuration.
import { afterEach, describe, expect, it } from 'vitest';
import { vi as viCatalogue } from '../../renderer/src/i18n/vi.js';
import { en } from '../../renderer/src/i18n/en.js';
import { estimateBacklog, keepRecent } from '../../renderer/src/backlog.js';
import { readEvents } from '../../renderer/src/sse.js';
import { assessHealth } from '../../main/api/health.js';
import { ApiServer, handle } from '../../main/api/server.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { createChangeFeed } from '../../main/api/events.js';
import { maskedConfig } from '../../main/api/uiRoutes.js';
import type { StatusResponse } from '../../main/api/contract.js';

describe('message catalogues', () => {
  it('have the same keys and placeholders in Vietnamese and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(viCatalogue).sort());
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [k, v] of Object.entries(viCatalogue)) expect(params(en[k as keyof typeof en]), k).toEqual(params(v));
  });

  it('write Vietnamese with its diacritics', () => {
    expect(viCatalogue['health.ok']).toBe('Đồng bộ bình thường');
    const text = Object.values(viCatalogue).join(' ');
    expect(text).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/);
  });
});

describe('backlog estimate', () => {
  it('gives records left, rate per minute and time to finish', () => {
    const samples = [
      { at: 0, pending: 1000, delivered: 0 },
      { at: 30_000, pending: 900, delivered: 100 },
      { at: 60_000, pending: 800, delivered: 200 },
    ];
    expect(estimateBacklog(samples)).toEqual({ left: 800, ratePerMinute: 200, etaMs: 240_000 });
    expect(estimateBacklog(samples.slice(0, 1))).toEqual({ left: 1000, ratePerMinute: null, etaMs: null });
    expect(estimateBacklog([samples[0]!, { at: 60_000, pending: 1000, delivered: 0 }])).toEqual({ left: 1000, ratePerMinute: 0, etaMs: null });
    expect(keepRecent(samples, 100_000, 60_000)).toEqual(samples.slice(1));
  });
});

const baseStatus = (): StatusResponse => ({
  version: '0.1.0',
  facility: { code: '94170' },
  startedAt: new Date(0).toISOString(),
  sources: [{ id: 'his', type: 'folder', state: 'watching', received: 10, lastReceivedAt: null }],
  destinations: [
    { id: 'province', baseUrl: 'http://p', state: 'ok', pending: 0, delivered: 10, rejected: 0, lastSuccessAt: null },
    { id: 'ministry', baseUrl: 'http://m', state: 'ok', pending: 0, delivered: 10, rejected: 0, lastSuccessAt: null },
  ],
  counts: { received: 10, converted: 10, invalid: 0 },
  alerts: [],
});

describe('health verdict', () => {
  it('is ok when nothing is wrong', () => {
    expect(assessHealth(baseStatus())).toEqual({ level: 'ok', problems: [] });
  });

  it('lists errors before warnings, with the destination concerned', () => {
    const s = baseStatus();
    s.destinations[0]!.rejected = 2;
    s.destinations[1]!.state = 'paused';
    s.destinations[1]!.pending = 7;
    const h = assessHealth(s, { openInvalid: 1 });
    expect(h.level).toBe('error');
    expect(h.problems.map((p) => [p.code, p.subject, p.count])).toEqual([
      ['destination_auth', 'ministry', 7],
      ['rejected', 'province', 2],
      ['invalid', undefined, 1],
    ]);
    const paused = assessHealth(s, { pausedByOperator: ['ministry'] });
    expect(paused.level).toBe('warning');
    expect(paused.problems.map((p) => p.code)).toEqual(['rejected', 'paused_by_operator']);
  });
});

describe('server-sent events', () => {
  let server: ApiServer | undefined;
  afterEach(async () => server?.stop());

  it('streams a snapshot, then only changes, to a bearer-authorised reader', async () => {
    let n = 1;
    const feed = createChangeFeed('overview', () => ({ n }), 20);
    server = new ApiServer({ host: '127.0.0.1', port: 0, token: 't'.repeat(40), routes: [handle(ROUTES.events, () => ({ events: feed.subscribe }))] });
    const url = await server.start();
    expect((await fetch(`${url}${pathTo(ROUTES.events)}`)).status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`${url}${pathTo(ROUTES.events)}`, { headers: { Authorization: `Bearer ${'t'.repeat(40)}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const seen: unknown[] = [];
    const reading = readEvents(res.body!, (event, data) => {
      seen.push([event, data]);
      if (seen.length === 1) n = 2;
      if (seen.length === 2) controller.abort();
    }).catch(() => undefined);
    await reading;
    expect(seen).toEqual([
      ['overview', { n: 1 }],
      ['overview', { n: 2 }],
    ]);
    await expect.poll(() => feed.subscribers()).toBe(0);
  });
});

describe('configuration view', () => {
  it('never shows a secret', () => {
    const c = {
      facility: { code: '94170' },
      dataDir: '/tmp/x',
      sources: [],
      destinations: [
        { id: 'province', type: 'fhir', baseUrl: 'https://p.example/fhir', auth: { type: 'bearer', token: 'env:PROVINCE_TOKEN' }, timeoutMs: 1000 },
        { id: 'ministry', auth: { type: 'oauth2', clientId: 'vhr', clientSecret: 'env:MOH_SECRET' }, tls: { key: '/etc/vhr/client.key', passphrase: 'env:KEY_PASS' } },
      ],
      statusApi: { host: '127.0.0.1', port: 0 },
      retry: { baseDelayMs: 1, maxDelayMs: 2, factor: 2, jitter: 0 },
    };
    const view = maskedConfig(c, { version: 7, appliedAt: null });
    expect(view.destinations[0]!.auth).toEqual({ type: 'bearer', token: 'env:••••••' });
    expect(view.destinations[1]).toEqual({ id: 'ministry', auth: { type: 'oauth2', clientId: 'vhr', clientSecret: 'env:••••••' }, tls: { key: '••••••', passphrase: 'env:••••••' } });
    for (const secret of ['PROVINCE_TOKEN', 'MOH_SECRET', 'client.key', 'KEY_PASS']) expect(JSON.stringify(view)).not.toContain(secret);
    expect(view.managed).toEqual({ version: 7, appliedAt: null });
  });
});

// GET /metrics (DESIGN §10): what `curl /metrics` returns from a running agent, read by a strict
// parser of the Prometheus text format, with every count checked against the database file.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { readDb } from '../support/dbOracle.js';
import { parsePrometheusText, sampleValue } from '../support/prometheusText.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('GET /metrics', () => {
  it('answers in the Prometheus text format, behind the bearer token, with counts that match the database', async () => {
    h = await startHarness();
    h.drop('batch.xml', envelopeOf(manyClaims(4)));
    await waitFor(h.drained(4), { what: '4 records delivered to both stores' });
    const info = JSON.parse(readFileSync(join(h.dataDir, 'api.json'), 'utf8')) as ApiInfo;
    const url = `${info.url}${pathTo(ROUTES.metrics)}`;

    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { Authorization: `Bearer ${info.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await res.text());

    const db = readDb(join(h.dataDir, 'vhr-agent.db'), (d) => ({
      converted: (d.prepare("SELECT count(*) AS n FROM messages WHERE state = 'converted'").get() as { n: number }).n,
      delivered: d.prepare("SELECT destination_id AS id, count(*) AS n FROM deliveries WHERE state = 'delivered' GROUP BY destination_id ORDER BY 1").all() as { id: string; n: number }[],
      acks: d.prepare("SELECT destination_id AS id, count(*) AS n FROM delivery_attempts WHERE outcome = 'delivered' GROUP BY destination_id ORDER BY 1").all() as { id: string; n: number }[],
    }));
    expect(db.converted).toBe(4);
    expect(families.get('vhr_records')?.type).toBe('gauge');
    expect(sampleValue(families, 'vhr_records', { state: 'converted' })).toBe(db.converted);
    expect(sampleValue(families, 'vhr_records_received_total', { source: 'his' })).toBe(4);
    expect(db.delivered.map((r) => [r.id, sampleValue(families, 'vhr_deliveries', { destination: r.id, state: 'delivered' })])).toEqual([
      ['ministry', 4],
      ['province', 4],
    ]);
    expect(sampleValue(families, 'vhr_queue_depth', { destination: 'province' })).toBe(0);
    expect(sampleValue(families, 'vhr_conversion_queue_depth')).toBe(0);
    expect(families.get('vhr_delivery_ack_seconds')?.type).toBe('histogram');
    for (const a of db.acks) expect(sampleValue(families, 'vhr_delivery_ack_seconds_count', { destination: a.id })).toBe(a.n);
    expect(sampleValue(families, 'vhr_convert_seconds_count', { format: 'xml130' })).toBe(4);
    expect(sampleValue(families, 'vhr_agent_info', { facility: '94170' })).toBe(1);
  });
});

describe('GET /api/logs', () => {
  it('returns the log newest first, filtered by level and time, behind the token', async () => {
    h = await startHarness();
    h.drop('rong.xml', '');
    await waitFor(() => (h!.agent.status().errorFiles?.count ?? 0) === 1, { what: 'the empty file moved to error/' });
    const info = JSON.parse(readFileSync(join(h.dataDir, 'api.json'), 'utf8')) as ApiInfo;
    const get = async (query: Record<string, string>) => {
      const res = await fetch(`${info.url}${pathTo(ROUTES.logs, { query })}`, { headers: { Authorization: `Bearer ${info.token}` } });
      return { status: res.status, body: (await res.json()) as { items?: { at: string; level: string; message: string; fields: Record<string, unknown> }[] } };
    };
    // The log file is written asynchronously: wait for the warning to reach it.
    const warn = await waitFor(async () => {
      const r = await get({ level: 'warn' });
      return r.body.items?.length ? r : undefined;
    }, { what: 'the warning in the log file' });
    expect(warn.body.items!.map((e) => [e.level, e.message, e.fields.file])).toEqual([['warn', 'file moved to error folder', 'rong.xml']]);
    const all = (await get({ level: 'info' })).body.items!;
    expect(all.map((e) => e.message)).toContain('agent started');
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort().reverse());
    expect((await get({ level: 'info', since: new Date(Date.now() + 60_000).toISOString() })).body.items).toEqual([]);
    expect((await get({ level: 'loud' })).status).toBe(400);
    expect((await fetch(`${info.url}${pathTo(ROUTES.logs)}`)).status).toBe(401);
  });
});

describe('the strict exposition parser used above', () => {
  it('refuses what Prometheus would refuse', () => {
    expect(() => parsePrometheusText('a 1')).toThrow(/line feed/);
    expect(() => parsePrometheusText('a{x="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('a{x="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parsePrometheusText('a 1\n# TYPE a gauge\n')).toThrow(/TYPE of a after its samples/);
    expect(() => parsePrometheusText('a 1\nb 1\na 2\n')).toThrow(/outside its family's block/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1\nh_count 2\n')).toThrow(/\+Inf/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/decrease/);
    expect(parsePrometheusText('# HELP a x\\ny\n# TYPE a counter\na{k="q\\"\\n"} 3 1700000000\n').get('a')).toEqual({
      name: 'a',
      type: 'counter',
      help: 'x\ny',
      samples: [{ name: 'a', labels: { k: 'q"\n' }, value: 3 }],
    });
  });
});

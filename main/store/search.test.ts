import { afterEach, describe, expect, it } from 'vitest';
import { Store } from './store.js';
import { handleOf } from './database.js';
import { explainSearch, foldName, searchRecords } from './search.js';
import { dailyReport, latencyReport, localDayStart, openInvalidCount, qualityReport, throughput, todayCounts } from './reports.js';
import { auditLog, pausedDestinations, resend, retryRejected, setDestinationPaused } from './operatorActions.js';

const T0 = new Date(2026, 1, 23, 9, 0, 0).getTime();

function bundleFor(name: string, maBn: string, cccd: string | null, end = '2026-02-23T08:00:00+07:00') {
  const identifier = [{ type: { coding: [{ code: 'MR' }] }, value: maBn }];
  if (cccd) identifier.push({ type: { coding: [{ code: 'CCCD' }] }, value: cccd });
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: { resourceType: 'Patient', name: [{ text: name }], identifier } },
      { resource: { resourceType: 'Encounter', period: { start: '2026-02-23T07:00:00+07:00', end } } },
    ],
  });
}

let store: Store;
afterEach(() => store?.close());

function seed() {
  store = Store.open(':memory:');
  const add = (maLk: string, name: string, maBn: string, cccd: string | null, at: number) => {
    const { id } = store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(maLk + name), naturalKey: `94170|${maLk}` }, at);
    store.markConverted(id, bundleFor(name, maBn, cccd), JSON.stringify({ warnings: cccd ? [] : [{ code: 'W' }] }), 2, ['province', 'ministry'], at);
    return id;
  };
  const a = add('LK001', 'Nguyễn Văn An', 'BN1', '079090001234', T0);
  const b = add('LK002', 'Trần Thị Bích', 'BN2', null, T0 + 1000);
  const c = add('LK003', 'Đặng Văn Đức', 'BN3', '079090009999', T0 + 2000);
  const bad = store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from('bad'), naturalKey: '94170|LK004', invalid: { code: 'B64', message: 'bad' } }, T0 + 3000).id;
  return { a, b, c, bad };
}

describe('records search', () => {
  it('folds Vietnamese names', () => {
    expect(foldName('  Đặng   VĂN Đức ')).toBe('dang van duc');
    expect(foldName('Nguyễn Thị Hoà')).toBe('nguyen thi hoa');
  });

  it('finds by MA_LK, MA_BN, CCCD and any part of the name, without diacritics', () => {
    const { a, b, c, bad } = seed();
    const ids = (q: string) => store.searchRecords({ q, limit: 10 }).map((r) => r.id);
    expect(ids('LK002')).toEqual([b]);
    expect(ids('LK004')).toEqual([bad]);
    expect(ids('BN3')).toEqual([c]);
    expect(ids('079090001234')).toEqual([a]);
    expect(ids('van')).toEqual([c, a]);
    expect(ids('dang van duc')).toEqual([c]);
    expect(ids('Bích')).toEqual([b]);
    expect(ids('100%')).toEqual([]);
    const hit = store.searchRecords({ q: 'LK001', limit: 1 })[0]!;
    expect(hit).toMatchObject({ recordKey: 'LK001', patientName: 'Nguyễn Văn An', maBn: 'BN1' });
    expect(hit.deliveries).toEqual([
      { destinationId: 'ministry', state: 'pending' },
      { destinationId: 'province', state: 'pending' },
    ]);
  });

  it('filters by state, destination and date, and pages by keyset', () => {
    const { a, b, c, bad } = seed();
    store.markRejected(b, 'ministry', 'R', 'no', null, { messageId: b, destinationId: 'ministry', startedAt: T0, durationMs: 1, outcome: 'rejected' }, T0);
    expect(store.searchRecords({ state: 'rejected', limit: 10 }).map((r) => r.id)).toEqual([b]);
    expect(store.searchRecords({ state: 'rejected', destinationId: 'province', limit: 10 })).toEqual([]);
    expect(store.searchRecords({ state: 'invalid', limit: 10 }).map((r) => r.id)).toEqual([bad]);
    expect(store.searchRecords({ from: T0 + 500, to: T0 + 2500, limit: 10 }).map((r) => r.id)).toEqual([c, b]);
    const page1 = store.searchRecords({ limit: 2 });
    const page2 = store.searchRecords({ limit: 2, before: page1[1]!.id });
    expect([...page1, ...page2].map((r) => r.id)).toEqual([bad, c, b, a]);
  });

  it('pages a million records along indexes, never a full scan', () => {
    store = Store.open(':memory:');
    const db = handleOf(store);
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
      INSERT INTO messages (source_id, format, content_hash, natural_key, raw_size, state, received_at)
      SELECT 'his', 'xml130', 'h' || i, '94170|LK' || i, 10, 'converted', ${T0} + i * 100 FROM n`);
    db.exec(`INSERT INTO deliveries (message_id, destination_id, state, next_attempt_at, created_at, updated_at)
      SELECT id, 'province', CASE WHEN id % 5000 = 0 THEN 'rejected' ELSE 'delivered' END, 0, 0, 0 FROM messages`);
    db.exec(`INSERT INTO record_search (message_id, record_key) SELECT id, 'LK' || id FROM messages`);
    const cases = [
      { limit: 50, before: 600000 },
      { q: 'LK777777', limit: 50 },
      { state: 'rejected', destinationId: 'province', limit: 50 },
      { from: T0 + 1000 * 100, to: T0 + 2000 * 100, limit: 50 },
    ];
    for (const c of cases) {
      const plan = store.explainSearch(c).join('\n');
      expect(plan, JSON.stringify(c)).not.toMatch(/SCAN (m|messages)\b(?! USING)/);
      expect(store.searchRecords(c).length).toBeGreaterThan(0);
    }
    expect(store.searchRecords({ state: 'rejected', limit: 3 }).map((r) => r.id)).toEqual([1000000, 995000, 990000]);
  });
});

describe('reports and operator actions', () => {
  it('counts per day and destination, quality and latency', () => {
    const { a, b } = seed();
    const attempt = (id: number, dest: string) => ({ messageId: id, destinationId: dest, startedAt: T0, durationMs: 1, outcome: 'delivered' });
    store.markDelivered(a, 'province', 'ok', attempt(a, 'province'), T0 + 3_600_000);
    store.markDelivered(b, 'province', 'ok', attempt(b, 'province'), T0 + 7_200_000);
    store.markRejected(b, 'ministry', 'R', 'no', null, attempt(b, 'ministry'), T0 + 60_000);
    const day = localDayStart(T0);
    const rows = store.dailyReport(day - 86_400_000, day, ['province', 'ministry']);
    expect(rows).toHaveLength(4);
    expect(rows.slice(2)).toEqual([
      { day: '2026-02-23', destinationId: 'province', received: 4, delivered: 2, rejected: 0 },
      { day: '2026-02-23', destinationId: 'ministry', received: 4, delivered: 0, rejected: 1 },
    ]);
    expect(rows[0]).toMatchObject({ day: '2026-02-22', received: 0 });
    expect(store.qualityReport(day, day + 86_400_000)).toEqual({ received: 4, converted: 3, invalid: 1, withCccd: 2, withoutWarnings: 2, newVersions: 0, complete: 3, missingByField: [] });
    expect(store.openInvalidCount()).toBe(1);
    const latency = store.latencyReport(day, day + 86_400_000, ['province']);
    expect(latency[0]!.delivered).toBe(2);
    expect(latency[0]!.within24h).toBe(1);
    expect(store.todayCounts(day, T0 + 86_000_000, ['province'])).toEqual({ received: { his: 4 }, delivered: { province: 2 } });
    const buckets = store.throughput(T0 + 7_200_000, 3_600_000, 24, ['province']);
    expect(buckets.reduce((n, b) => n + b.received, 0)).toBe(4);
    expect(buckets.reduce((n, b) => n + b.delivered.province!, 0)).toBe(2);
  });

  it('retries, resends and pauses in one transaction with the audit row', () => {
    const { a, b, bad } = seed();
    store.markRejected(b, 'ministry', 'R', 'no', null, { messageId: b, destinationId: 'ministry', startedAt: T0, durationMs: 1, outcome: 'rejected' }, T0);
    expect(store.retryRejected('province', 'u', T0).affected).toBe(0);
    expect(store.retryRejected(undefined, 'u', T0).affected).toBe(1);
    expect(store.deliveriesOf(b).find((d) => d.destinationId === 'ministry')!.state).toBe('pending');
    store.markDelivered(a, 'province', 'ok', { messageId: a, destinationId: 'province', startedAt: T0, durationMs: 1, outcome: 'delivered' }, T0);
    expect(store.resend(a, 'province', 'u', T0).affected).toBe(1);
    expect(store.deliveriesOf(a).find((d) => d.destinationId === 'province')!.state).toBe('pending');
    expect(() => store.resend(bad, 'province', 'u', T0)).toThrow(/not converted/);
    store.setDestinationPaused('ministry', true, 'u', T0);
    expect(store.pausedDestinations()).toEqual(['ministry']);
    store.setDestinationPaused('ministry', false, 'u', T0);
    expect(store.pausedDestinations()).toEqual([]);
    expect(store.auditLog(10).map((e) => [e.action, e.affected])).toEqual([
      ['resume_destination', 1],
      ['pause_destination', 1],
      ['resend', 1],
      ['retry_rejected', 1],
      ['retry_rejected', 0],
    ]);
  });
});

describe('conversion outcomes of the threads', () => {
  it('commits a batch at once: converted records searchable by the fields read where the bundle was built, failed ones invalid with their reason', () => {
    store = Store.open(':memory:');
    const ids = ['LK101', 'LK102', 'LK103'].map((maLk) => store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(maLk), naturalKey: `94170|${maLk}` }, T0).id);
    const bundle = (name: string, maBn: string) => Buffer.from(bundleFor(name, maBn, null), 'utf8');
    store.commitConversions(
      [
        // The search fields given stand: the bundle is not read again.
        { ok: true, messageId: ids[0]!, bundle: bundle('Lê Văn Tám', 'BN101'), issuesJson: '{"warnings":[]}', resourceCount: 2, orderKey: 'p1', searchFields: { patientName: 'Lê Văn Tám', maBn: 'BN101', cccd: '079090005555', encounterEnd: null } },
        { ok: false, messageId: ids[1]!, code: 'CONVERT_TIMEOUT', message: 'converting this record took longer than 60 s and was stopped; the record is kept and can be retried', issuesJson: null },
        // Without them, they are read from the bundle.
        { ok: true, messageId: ids[2]!, bundle: bundle('Phạm Thị Hoa', 'BN103'), issuesJson: '{"warnings":[{"code":"W"}]}', resourceCount: 2, orderKey: 'p3' },
      ],
      ['province'],
      T0 + 500,
    );
    expect(ids.map((id) => store.message(id)?.state)).toEqual(['converted', 'invalid', 'converted']);
    expect(store.message(ids[1]!)).toMatchObject({ errorCode: 'CONVERT_TIMEOUT', errorMessage: 'converting this record took longer than 60 s and was stopped; the record is kept and can be retried' });
    const found = (q: string) => store.searchRecords({ q, limit: 10 }).map((r) => r.id);
    expect(found('079090005555')).toEqual([ids[0]]);
    expect(found('hoa')).toEqual([ids[2]]);
    expect(found('BN103')).toEqual([ids[2]]);
    expect(store.deliveriesOf(ids[0]!).map((d) => [d.destinationId, d.state])).toEqual([['province', 'pending']]);
    expect(store.deliveriesOf(ids[1]!)).toEqual([]);
    // Derived commits relax the fsync only for themselves.
    expect(handleOf(store).pragma('synchronous', { simple: true })).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import { handleOf, migrate } from './database.js';
import { MIGRATIONS } from './migrations.js';

let dir: string;
let path: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vhr-store-'));
  path = join(dir, 'agent.db');
  store = Store.open(path);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rec = (raw: string, naturalKey: string | null = null, sourceId = 'his') => ({ sourceId, format: 'xml130', raw: Buffer.from(raw), naturalKey });

describe('migrations', () => {
  it('creates every table in WAL mode with the file readable by its owner only', () => {
    expect(store.schemaVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    const tables = (handleOf(store).prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['deliveries', 'delivery_attempts', 'ingested_files', 'messages', 'schema_migrations']));
    expect(handleOf(store).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('applies only migrations newer than the database, once', () => {
    store.close();
    const db = new Database(path);
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    // Versions are numbered by whoever adds one and may leave gaps: the next is above the highest.
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    const next = [...MIGRATIONS, { version: latest + 1, name: 'test column', sql: 'ALTER TABLE messages ADD COLUMN extra TEXT' }];
    expect(migrate(db, next)).toEqual([latest + 1]);
    expect(migrate(db, next)).toEqual([]);
    expect((db.prepare("SELECT count(*) AS n FROM pragma_table_info('messages') WHERE name = 'extra'").get() as { n: number }).n).toBe(1);
    db.close();
    store = Store.open(path);
  });

  it('rolls a failing migration back whole', () => {
    store.close();
    const db = new Database(path);
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE t1 (a INTEGER) STRICT; CREATE TABLE t1 (a INTEGER) STRICT;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't1'").get()).toEqual({ n: 0 });
    expect((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    db.close();
    store = Store.open(path);
  });
});

describe('intake', () => {
  it('dedupes on (source, content hash) and versions by natural key', () => {
    const a = store.insertMessage(rec('<HOSO>1</HOSO>', '94170|LK1'), 1000);
    const again = store.insertMessage(rec('<HOSO>1</HOSO>', '94170|LK1'), 2000);
    const otherSource = store.insertMessage(rec('<HOSO>1</HOSO>', '94170|LK1', 'lab'), 2000);
    const v2 = store.insertMessage(rec('<HOSO>1b</HOSO>', '94170|LK1'), 3000);
    expect(again).toEqual({ id: a.id, duplicate: true });
    expect(otherSource.duplicate).toBe(false);
    expect(store.message(a.id)!.version).toBe(1);
    expect(store.message(otherSource.id)!.version).toBe(2);
    expect(store.message(v2.id)!.version).toBe(3);
    expect(store.messageCounts()).toEqual({ received: 3, converted: 0, invalid: 0 });
  });

  it('stores a record known bad at intake as invalid, with its bytes', () => {
    const r = store.insertMessage({ ...rec('<HOSO>bad</HOSO>'), invalid: { code: 'BAD_BASE64', message: 'XML1: truncated' } }, 1000);
    const m = store.message(r.id)!;
    expect([m.state, m.errorCode, m.errorMessage]).toEqual(['invalid', 'BAD_BASE64', 'XML1: truncated']);
    expect(store.messageDetail(r.id)!.raw!.toString()).toBe('<HOSO>bad</HOSO>');
    expect(store.messagesToConvert(10)).toEqual([]);
  });

  it('commits a file in batches with its resume point, and resumes after a restart', () => {
    const f = store.beginFile('his', '/in/a.xml', 'h1', 100, 1000);
    expect(f).toMatchObject({ state: 'reading', recordsCommitted: 0 });
    store.commitFileRecords(f.fileId, [rec('r1', 'k1'), rec('r2', 'k2')], 2, 1000);
    store.close();
    store = Store.open(path);
    const resumed = store.beginFile('his', '/in/a.xml', 'h1', 100, 2000);
    expect(resumed).toEqual({ fileId: f.fileId, state: 'reading', recordsCommitted: 2 });
    store.commitFileRecords(f.fileId, [rec('r3', 'k3')], 3, 2000);
    store.finishFile(f.fileId, 'done', 3000);
    expect(store.beginFile('his', '/in/a.xml', 'h1', 100, 4000)).toMatchObject({ state: 'done', recordsCommitted: 3 });
    expect(store.messageCounts().received).toBe(3);
  });
});

describe('conversion and delivery states', () => {
  function converted(): number {
    const { id } = store.insertMessage(rec('<HOSO/>', 'k'), 1000);
    store.markConverted(id, '{"resourceType":"Bundle"}', '{}', 5, ['province', 'ministry'], 1100);
    return id;
  }

  it('queues one delivery per destination when a record converts', () => {
    const id = converted();
    expect(store.message(id)).toMatchObject({ state: 'converted', resourceCount: 5 });
    expect(store.deliveriesOf(id).map((d) => [d.destinationId, d.state, d.attempts])).toEqual([
      ['ministry', 'pending', 0],
      ['province', 'pending', 0],
    ]);
    expect(store.destinationCounts()).toEqual(
      expect.arrayContaining([{ destinationId: 'province', pending: 1, delivered: 0, rejected: 0, lastSuccessAt: null }]),
    );
  });

  it('claims due rows once, waits out retry_wait, and records every attempt', () => {
    const id = converted();
    const first = store.claimDue('province', 2000, 10);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ messageId: id, attempts: 1, bundle: '{"resourceType":"Bundle"}' });
    expect(store.claimDue('province', 2000, 10)).toEqual([]); // in flight: not claimed twice
    const attempt = { messageId: id, destinationId: 'province', startedAt: 2000, durationMs: 5, outcome: 'transient', errorCode: 'HTTP_503', httpStatus: 503 };
    store.markRetry(id, 'province', 5000, 'HTTP_503', 'store unavailable', null, attempt, 2005);
    expect(store.nextDueAt('province')).toBe(5000);
    expect(store.claimDue('province', 4999, 10)).toEqual([]);
    const second = store.claimDue('province', 5000, 10);
    expect(second[0]!.attempts).toBe(2);
    store.markDelivered(id, 'province', '200 OK', { ...attempt, startedAt: 5000, outcome: 'delivered', errorCode: undefined, httpStatus: 200 }, 5010);
    const d = store.deliveriesOf(id).find((x) => x.destinationId === 'province')!;
    expect([d.state, d.attempts, d.deliveredAt, d.lastErrorCode]).toEqual(['delivered', 2, 5010, null]);
    expect(store.attemptsOf(id).map((a) => [a.outcome, a.httpStatus])).toEqual([
      ['transient', 503],
      ['delivered', 200],
    ]);
    const counts = store.destinationCounts().find((c) => c.destinationId === 'province')!;
    expect(counts).toEqual({ destinationId: 'province', pending: 0, delivered: 1, rejected: 0, lastSuccessAt: 5010 });
  });

  it('keeps rejected rows out of the queue until an operator retries them', () => {
    const id = converted();
    store.claimDue('ministry', 2000, 10);
    store.markRejected(id, 'ministry', 'HTTP_400', 'Patient.birthDate: invalid', null, { messageId: id, destinationId: 'ministry', startedAt: 2000, durationMs: 3, outcome: 'rejected', errorCode: 'HTTP_400', httpStatus: 400 }, 2003);
    expect(store.claimDue('ministry', 9_999_999, 10)).toEqual([]);
    expect(store.destinationCounts().find((c) => c.destinationId === 'ministry')!.rejected).toBe(1);
    expect(store.retryNow(id, 3000)).toBe(2); // the rejected ministry row and the pending province row
    expect(store.claimDue('ministry', 3000, 10).map((d) => d.attempts)).toEqual([2]);
  });

  it('puts deliveries interrupted by a crash back in the queue', () => {
    const id = converted();
    store.claimDue('province', 2000, 10);
    store.close();
    store = Store.open(path);
    expect(store.resetInFlight(3000)).toBe(1);
    expect(store.claimDue('province', 3000, 10).map((d) => d.messageId)).toEqual([id]);
  });

  it('marks a record invalid with its reason and queues nothing', () => {
    const { id } = store.insertMessage(rec('<HOSO/>'), 1000);
    store.markInvalid(id, 'FHIR_INVALID', 'Patient.birthDate: invalid date', '{"validation":[]}', 1100);
    expect(store.message(id)).toMatchObject({ state: 'invalid', errorCode: 'FHIR_INVALID' });
    expect(store.deliveriesOf(id)).toEqual([]);
    expect(store.messageCounts()).toEqual({ received: 1, converted: 0, invalid: 1 });
  });

  it('pages records newest first with a keyset cursor', () => {
    for (let i = 0; i < 5; i++) store.insertMessage(rec(`r${i}`), 1000 + i);
    const page1 = store.listMessages(2);
    const page2 = store.listMessages(2, page1[1]!.id);
    const page3 = store.listMessages(2, page2[1]!.id);
    expect([...page1, ...page2, ...page3].map((m) => m.receivedAt)).toEqual([1004, 1003, 1002, 1001, 1000]);
  });
});

describe('per-patient order, alerts and retention', () => {
  function queued(raw: string, orderKey: string | null, destinations = ['province']): number {
    const { id } = store.insertMessage(rec(raw, raw), 1000);
    store.markConverted(id, '{"resourceType":"Bundle"}', '{}', 1, destinations, 1000, orderKey);
    return id;
  }
  const attempt = (messageId: number) => ({ messageId, destinationId: 'province', startedAt: 2000, durationMs: 1, outcome: 'transient' });

  it('claims only the head of each patient\'s line, and other patients freely', () => {
    const p1a = queued('a', 'P1');
    const p1b = queued('b', 'P1');
    const p2 = queued('c', 'P2');
    const none = queued('d', null);
    expect(store.claimDue('province', 2000, 10).map((d) => d.messageId)).toEqual([p1a, p2, none]);
    // P1's first record fails: its second still waits, even once due.
    store.markRetry(p1a, 'province', 5000, 'HTTP_503', 'unavailable', null, attempt(p1a), 2001);
    expect(store.claimDue('province', 3000, 10)).toEqual([]);
    expect(store.claimDue('province', 5000, 10).map((d) => d.messageId)).toEqual([p1a]);
    store.markDelivered(p1a, 'province', 'ok', attempt(p1a), 5001);
    expect(store.claimDue('province', 5001, 10).map((d) => d.messageId)).toEqual([p1b]);
  });

  it('a rejected record does not block the patient\'s later records', () => {
    const a = queued('a', 'P1');
    const b = queued('b', 'P1');
    store.claimDue('province', 2000, 1);
    store.markRejected(a, 'province', 'HTTP_400', 'bad', null, attempt(a), 2001);
    expect(store.claimDue('province', 2002, 10).map((d) => d.messageId)).toEqual([b]);
  });

  it('opens one alert per incident and closes it once', () => {
    expect(store.openAlert('destination_down', 'province', 'down', 'ngừng', 1000)).toBe(true);
    expect(store.openAlert('destination_down', 'province', 'down again', 'ngừng', 2000)).toBe(false);
    expect(store.openAlerts().map((a) => [a.kind, a.target, a.openedAt])).toEqual([['destination_down', 'province', 1000]]);
    expect(store.closeAlert('destination_down', 'province', 3000)).toBe(true);
    expect(store.closeAlert('destination_down', 'province', 4000)).toBe(false);
    expect(store.openAlert('destination_down', 'province', 'down', 'ngừng', 5000)).toBe(true);
    expect(store.recentAlerts(10).map((a) => [a.openedAt, a.closedAt])).toEqual([
      [5000, null],
      [1000, 3000],
    ]);
  });

  it('drops payloads of records delivered everywhere before the cutoff, and gives the space back', () => {
    const big = 'x'.repeat(200_000);
    // Bundles are stored deflated: padding that does not compress keeps their size known.
    const noise = randomBytes(300_000).toString('base64');
    const ids = [0, 1, 2, 3].map((i) => {
      const { id } = store.insertMessage(rec(`${big}${i}`, `k${i}`), 1000);
      store.markConverted(id, JSON.stringify({ resourceType: 'Bundle', pad: noise }), '{}', 1, ['province', 'ministry'], 1000);
      return id;
    });
    const done = (id: number, dest: string, at: number) => {
      store.claimDue(dest, at, 10);
      store.markDelivered(id, dest, 'ok', { ...attempt(id), destinationId: dest }, at);
    };
    for (const id of ids) done(id, 'province', 2000);
    done(ids[0]!, 'ministry', 2000);
    done(ids[1]!, 'ministry', 9000); // delivered too recently
    // ids[2], ids[3] still pending at the ministry
    handleOf(store).pragma('wal_checkpoint(TRUNCATE)');
    const pagesBefore = handleOf(store).pragma('page_count', { simple: true }) as number;
    const bytesBefore = store.payloadBytes();
    expect(store.pruneDeliveredPayloads(5000, 100)).toBe(1);
    expect(store.messageDetail(ids[0]!)).toEqual({ raw: null, bundle: null, issues: '{}' });
    expect(store.messageDetail(ids[1]!)!.raw).not.toBeNull();
    expect(store.message(ids[0]!)).toMatchObject({ state: 'converted', rawSize: 200_001 }); // metadata kept
    expect(store.payloadBytes()).toBeLessThan(bytesBefore - 400_000);
    store.reclaimSpace();
    expect(handleOf(store).pragma('page_count', { simple: true }) as number).toBeLessThan(pagesBefore - 50);
  });
});

describe('state counters', () => {
  it('stay equal to counting the rows, through every kind of change', () => {
    const attempt = (messageId: number, destinationId: string) => ({ messageId, destinationId, startedAt: 1, durationMs: 1, outcome: 'x' });
    const ids = [0, 1, 2, 3, 4].map((i) => store.insertMessage(rec(`c${i}`, `k${i}`, i < 3 ? 'his' : 'lab'), 1000 + i).id);
    store.insertMessage(rec('c0', 'k0'), 2000); // duplicate: not counted again
    for (const id of ids.slice(0, 4)) store.markConverted(id, '{"resourceType":"Bundle"}', '{}', 1, ['province', 'ministry'], 3000);
    store.markInvalid(ids[4]!, 'X', 'bad', null, 3000);
    store.claimDue('province', 4000, 10);
    store.markDelivered(ids[0]!, 'province', 'ok', attempt(ids[0]!, 'province'), 5000);
    store.markRejected(ids[1]!, 'province', 'HTTP_400', 'no', null, attempt(ids[1]!, 'province'), 5001);
    store.markRetry(ids[2]!, 'province', 9000, 'HTTP_503', 'later', null, attempt(ids[2]!, 'province'), 5002);
    handleOf(store).prepare('DELETE FROM deliveries WHERE message_id = ?').run(ids[3]); // e.g. sent back to conversion
    store.resetInFlight(6000);

    const counted = handleOf(store).prepare('SELECT state, count(*) AS n FROM messages GROUP BY state').all() as { state: string; n: number }[];
    const byState = Object.fromEntries(counted.map((r) => [r.state, r.n]));
    expect(store.messageCounts()).toEqual({ received: 5, converted: byState.converted, invalid: byState.invalid });
    expect(store.sourceCounts().sort((a, b) => a.sourceId.localeCompare(b.sourceId))).toEqual([
      { sourceId: 'his', received: 3, lastReceivedAt: 1002 },
      { sourceId: 'lab', received: 2, lastReceivedAt: 1004 },
    ]);
    expect(store.destinationCounts().sort((a, b) => a.destinationId.localeCompare(b.destinationId))).toEqual([
      { destinationId: 'ministry', pending: 3, delivered: 0, rejected: 0, lastSuccessAt: null },
      { destinationId: 'province', pending: 1, delivered: 1, rejected: 1, lastSuccessAt: 5000 },
    ]);
  });
});

// Never older over newer, on a real SQLite file: the states below are worked out by hand from
// DESIGN §4.7 (a newer version of a natural key, once queued, supersedes what is still owed
// of older ones; delivered rows stay delivered; operators cannot send an older version again).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import { SupersededError } from './versions.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vhr-versions-'));
  store = Store.open(join(dir, 'agent.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const BUNDLE = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] });
const DESTS = ['province', 'ministry'];
const attempt = (messageId: number, destinationId: string) => ({ messageId, destinationId, startedAt: 0, durationMs: 1, outcome: 'x' });

function receive(raw: string, key: string | null, at: number): number {
  return store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(raw), naturalKey: key }, at).id;
}
const convert = (id: number, at: number) => store.markConverted(id, BUNDLE, '{}', 1, DESTS, at, 'patient-1');
const states = (id: number) => Object.fromEntries(store.deliveriesOf(id).map((d) => [d.destinationId, [d.state, d.supersededBy]]));

describe('superseded versions', () => {
  it('a newer version queued supersedes what is owed of the older one, at every destination; delivered stays delivered', () => {
    const v1 = receive('<HOSO>1</HOSO>', '94170|LK1', 1);
    convert(v1, 2);
    const [p] = store.claimDue('province', 10, 1);
    store.markDelivered(p!.messageId, 'province', 'ok', attempt(v1, 'province'), 11);
    const [m] = store.claimDue('ministry', 10, 1);
    store.markRejected(m!.messageId, 'ministry', 'HTTP_400', 'bad phone', null, attempt(v1, 'ministry'), 12);
    expect(store.destinationCounts().find((c) => c.destinationId === 'ministry')).toMatchObject({ rejected: 1 });

    const v2 = receive('<HOSO>1 corrected</HOSO>', '94170|LK1', 20);
    convert(v2, 21);
    expect(states(v1)).toEqual({ ministry: ['superseded', v2], province: ['delivered', null] });
    expect(states(v2)).toEqual({ ministry: ['pending', null], province: ['pending', null] });
    // Not rejected any more, not owed: only v2 waits.
    expect(store.destinationCounts().find((c) => c.destinationId === 'ministry')).toMatchObject({ rejected: 0, pending: 1 });
    // v2 is not held behind v1 (same patient): it is the head of its line.
    expect(store.claimDue('ministry', 30, 5).map((d) => d.messageId)).toEqual([v2]);
  });

  it('a delivery in flight when the newer version arrives is superseded when it settles short of delivered', () => {
    const v1 = receive('<HOSO>1</HOSO>', '94170|LK2', 1);
    convert(v1, 2);
    expect(store.claimDue('province', 10, 1).map((d) => d.messageId)).toEqual([v1]);
    const v2 = receive('<HOSO>2</HOSO>', '94170|LK2', 11);
    convert(v2, 12);
    expect(states(v1).province).toEqual(['in_flight', null]);
    store.markRetry(v1, 'province', 1_000, 'HTTP_503', 'down', null, attempt(v1, 'province'), 13);
    expect(states(v1).province).toEqual(['superseded', v2]);
  });

  it('an older version converted after a newer one is queued as superseded at once', () => {
    const v1 = receive('<HOSO>1</HOSO>', '94170|LK3', 1);
    const v2 = receive('<HOSO>2</HOSO>', '94170|LK3', 2);
    convert(v2, 3);
    convert(v1, 4);
    expect(states(v1)).toEqual({ ministry: ['superseded', v2], province: ['superseded', v2] });
    expect(states(v2)).toEqual({ ministry: ['pending', null], province: ['pending', null] });
  });

  it('refuses to send an older version again, by hand or in bulk, and leaves other records alone', () => {
    const v1 = receive('<HOSO>1</HOSO>', '94170|LK4', 1);
    convert(v1, 2);
    const v2 = receive('<HOSO>2</HOSO>', '94170|LK4', 3);
    convert(v2, 4);
    const other = receive('<HOSO>other</HOSO>', '94170|LK5', 5);
    convert(other, 6);
    expect(() => store.resend(v1, 'province', 'tester', 10)).toThrow(SupersededError);
    expect(() => store.retryMessage(v1, 'tester', 10)).toThrow(/bản ghi \d+.*Record \d+ was replaced by a newer version/s);
    expect(states(v1).province).toEqual(['superseded', v2]);
    // Resend everything to the province: the newest versions only.
    store.resendMatching('province', {}, 'tester', 11);
    expect(states(v1).province).toEqual(['superseded', v2]);
    expect(states(v2).province[0]).toBe('pending');
    expect(states(other).province[0]).toBe('pending');
    // Records without a natural key are never superseded.
    const a = receive('<HOSO>a</HOSO>', null, 12);
    const b = receive('<HOSO>b</HOSO>', null, 13);
    convert(a, 14);
    convert(b, 15);
    expect(states(a).province[0]).toBe('pending');
    expect(store.resend(a, 'province', 'tester', 16).affected).toBe(1);
  });

  it('payloads of an older version superseded everywhere are pruned like delivered ones', () => {
    const v1 = receive('<HOSO>1</HOSO>', '94170|LK6', 1);
    convert(v1, 2);
    const v2 = receive('<HOSO>2</HOSO>', '94170|LK6', 3);
    convert(v2, 4);
    expect(store.pruneDeliveredPayloads(100, 10)).toBe(1);
    expect(store.rawOf(v1)).toBeNull();
    expect(store.rawOf(v2)).not.toBeNull();
  });
});

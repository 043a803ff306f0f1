import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from './store.js';
import { highestAppliedVersion, isVersionRecorded, managedAuditLog, recordApplied, recordRefused } from './managedConfig.js';
import { auditLog } from './operatorActions.js';
import { tempDir } from '../../test/support/tempDir.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  tmp = tempDir();
  store = Store.open(join(tmp.path, 'vhr-agent.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const T = 1_767_000_000_000;
function record(key: string, destinations: string[]): number {
  const { id } = store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(`<x>${key}</x>`), naturalKey: `94170|${key}` }, T);
  store.markConverted(id, '{"resourceType":"Bundle"}', '{}', 1, destinations, T);
  return id;
}
const deliveries = (id: number) => store.deliveriesOf(id).map((d) => `${d.destinationId}:${d.state}`);

describe('managed config SQL', () => {
  it('records an applied document with its audit row, and sends records delivered nowhere back to conversion', () => {
    const attempt = (id: number, destinationId: string, outcome: string) => ({ messageId: id, destinationId, startedAt: T, durationMs: 1, outcome });
    const pending = record('A', ['province', 'ministry']);
    store.markRetry(pending, 'ministry', T + 60_000, 'HTTP_503', 'busy', null, attempt(pending, 'ministry', 'transient'), T);
    const half = record('B', ['province', 'ministry']);
    store.markDelivered(half, 'province', 'ok', attempt(half, 'province', 'delivered'), T);
    const rejected = record('C', ['ministry']);
    store.markRejected(rejected, 'ministry', 'HTTP_400', 'no', null, attempt(rejected, 'ministry', 'rejected'), T);
    const sending = record('D', ['archive']);
    expect(store.claimDue('archive', T, 10).map((d) => d.messageId)).toEqual([sending]);

    const r = store.recordApplied({ version: 4, digest: 'd4', keyId: 'k', source: 'import', versionBefore: 2, reconvertPending: true, changedDestinations: [], now: T + 1 });
    expect(r.reconverted).toBe(2);
    expect(store.message(pending)!.state).toBe('received');
    expect(store.message(rejected)!.state).toBe('received');
    expect(deliveries(pending)).toEqual([]);
    expect(store.message(half)!.state).toBe('converted');
    expect(deliveries(half)).toEqual(['ministry:pending', 'province:delivered']);
    expect(deliveries(sending)).toEqual(['archive:in_flight']);
    expect(store.messagesToConvert(10).map((m) => m.id)).toEqual([pending, rejected]);

    expect(store.highestAppliedVersion()).toBe(4);
    expect(store.isVersionRecorded(4)).toBe(true);
    expect(store.isVersionRecorded(3)).toBe(false);
    expect(store.managedAuditLog(10)).toEqual([
      {
        id: r.auditId,
        at: T + 1,
        action: 'config_applied',
        version: 4,
        affected: 2,
        detail: { versionBefore: 2, versionAfter: 4, source: 'import', digest: 'd4', keyId: 'k', reconvertPending: true, changedDestinations: [] },
      },
    ]);
    expect(store.auditLog(10)[0]).toMatchObject({ action: 'config_applied', actor: 'ministry', target: '4', affected: 2 });
  });

  it('makes waiting retries of a changed destination due now', () => {
    const id = record('A', ['ministry']);
    store.claimDue('ministry', T, 10);
    store.markRetry(id, 'ministry', T + 600_000, 'HTTP_503', 'busy', null, { messageId: id, destinationId: 'ministry', startedAt: T, durationMs: 1, outcome: 'transient' }, T);
    expect(store.nextDueAt('ministry')).toBe(T + 600_000);
    store.recordApplied({ version: 1, digest: 'd', keyId: 'k', source: 'poll', versionBefore: 0, reconvertPending: false, changedDestinations: ['ministry'], now: T + 5 });
    expect(store.nextDueAt('ministry')).toBe(T + 5);
    expect(store.message(id)!.state).toBe('converted');
  });

  it('audits a refused document without changing anything else', () => {
    store.recordRefused({ version: 7, code: 'VERSION_NOT_NEWER', reason: 'older', source: 'poll', versionInForce: 8, digest: 'd7', now: T });
    expect(store.highestAppliedVersion()).toBe(0);
    expect(store.managedAuditLog(10).map((r) => [r.action, r.version, r.affected, r.detail])).toEqual([
      ['config_refused', 7, 0, { versionBefore: 8, versionAfter: 8, documentVersion: 7, code: 'VERSION_NOT_NEWER', reason: 'older', source: 'poll', digest: 'd7' }],
    ]);
  });
});

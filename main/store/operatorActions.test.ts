// The audit log (DESIGN §9, docs/security.md): every operator action, ministry configuration
// change and key rotation is one row with who, when, what and the before/after of what it
// changed; rows can be added, never changed or removed; reports can export it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from './store.js';
import { handleOf } from './database.js';
import { auditLog, resend, retryMessage, retryRejected, setDestinationPaused } from './operatorActions.js';
import { recordApplied, recordRefused } from './managedConfig.js';
import { rotateKeys } from '../commands/keys.js';
import { parseConfigText } from '../config/load.js';
import { uiRoutes } from '../api/uiRoutes.js';
import { ROUTES } from '../api/routeTable.js';
import type { AgentConfig } from '../config/schema.js';
import { tempDir } from '../../test/support/tempDir.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  tmp = tempDir('vhr-audit-');
  store = Store.open(join(tmp.path, 'vhr-agent.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const attempt = (messageId: number) => ({ messageId, destinationId: 'province', startedAt: 1, durationMs: 1, outcome: 'rejected' });

/** One converted record queued for province and ministry, rejected by province. */
function rejectedRecord(key: string): number {
  const { id } = store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(`<HOSO>${key}</HOSO>`), naturalKey: key }, 1000);
  store.markConverted(id, '{"resourceType":"Bundle"}', '{}', 1, ['province', 'ministry'], 1000, null);
  store.markRejected(id, 'province', 'HTTP_400', 'rejected', null, attempt(id), 1001);
  return id;
}

describe('audit log', () => {
  it('records who, when, what and the before/after of each operator action', () => {
    const a = rejectedRecord('94170|A1');
    rejectedRecord('94170|A2');
    store.setDestinationPaused('ministry', true, 'officer@status-ui', 2000);
    store.setDestinationPaused('ministry', false, 'officer@status-ui', 2001);
    store.retryMessage(a, 'officer@status-ui', 2002);
    store.retryRejected('province', 'officer@status-ui', 2003);
    store.resend(a, 'ministry', 'officer@status-ui', 2004);
    const rows = store.auditLog(10).reverse();
    expect(rows.map((r) => [r.at, r.actor, r.action, r.target, r.affected, r.detail])).toEqual([
      [2000, 'officer@status-ui', 'pause_destination', 'ministry', 1, { before: { paused: false }, after: { paused: true } }],
      [2001, 'officer@status-ui', 'resume_destination', 'ministry', 1, { before: { paused: true }, after: { paused: false } }],
      [2002, 'officer@status-ui', 'retry_message', String(a), 2, { before: { deliveries: { ministry: 'pending', province: 'rejected' } }, after: { deliveries: { ministry: 'pending', province: 'pending' } } }],
      [2003, 'officer@status-ui', 'retry_rejected', 'province', 1, { before: { rejected: 1 }, after: { rejected: 0 } }],
      [2004, 'officer@status-ui', 'resend', String(a), 1, { destination: 'ministry', before: { delivery: 'pending' }, after: { delivery: 'pending' } }],
    ]);
  });

  it('records ministry configuration applied and refused with the version before and after', () => {
    store.recordApplied({ version: 3, digest: 'd3', keyId: 'k1', source: 'poll', versionBefore: 2, reconvertPending: false, changedDestinations: ['province'], now: 5000 });
    store.recordRefused({ version: 2, code: 'VERSION_NOT_NEWER', reason: 'version 2 is not newer than 3', source: 'poll', versionInForce: 3, now: 5001 });
    expect(store.auditLog(2).map((r) => [r.actor, r.action, r.detail?.versionBefore, r.detail?.versionAfter, r.detail?.code ?? null])).toEqual([
      ['ministry', 'config_refused', 3, 3, 'VERSION_NOT_NEWER'],
      ['ministry', 'config_applied', 2, 3, null],
    ]);
  });

  it('records a key rotation with the keys before and after', async () => {
    rejectedRecord('94170|K1');
    store.close();
    const config = parseConfigText(`facility: { code: "94170" }\ndataDir: ${JSON.stringify(tmp.path)}\n`, tmp.path);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await rotateKeys(config)).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    store = Store.open(join(tmp.path, 'vhr-agent.db'));
    const [row] = store.auditLog(1);
    expect(row).toMatchObject({ action: 'key_rotated', target: 'key 2', affected: 1, actor: expect.stringMatching(/@cli$/) });
    // The rejected delivery's error text, kept in clear by the plaintext store, was sealed (with
    // key 2) as soon as the store opened with encryption on. Key 1 stays: it derives the search hashes.
    expect(row!.detail).toEqual({ before: { currentKey: 1, keysInUse: [2] }, after: { currentKey: 2, keysInUse: [2] }, dropped: [] });
  });

  it('is append-only: rows cannot be changed or deleted, even with SQL', () => {
    store.setDestinationPaused('province', true, 'officer@status-ui', 1);
    expect(() => handleOf(store).prepare("UPDATE operator_actions SET actor = 'someone else'").run()).toThrow(/append-only/);
    expect(() => handleOf(store).prepare('DELETE FROM operator_actions').run()).toThrow(/append-only/);
    expect(store.auditLog(5).map((r) => r.actor)).toEqual(['officer@status-ui']);
  });

  it('is exported for reports as CSV with the detail', async () => {
    store.setDestinationPaused('province', true, 'officer@status-ui', Date.UTC(2026, 1, 23, 8));
    const routes = uiRoutes({ store, config: { destinations: [{ id: 'province' }] } as unknown as AgentConfig, status: () => ({}) as never, wakeDeliveries: () => {}, setDestinationRunning: async () => {} });
    const csv = routes.find((r) => r.path === ROUTES.auditCsv.path)!;
    const reply = await csv.handle({ params: {}, query: new URLSearchParams('lang=en'), body: undefined });
    expect(reply.contentType).toBe('text/csv; charset=utf-8');
    expect(reply.text!.split('\r\n')).toEqual([
      '\uFEFFId,At,Actor,Action,Target,Affected,Detail (before/after)',
      '1,2026-02-23T08:00:00.000Z,officer@status-ui,pause_destination,province,1,"{""before"":{""paused"":false},""after"":{""paused"":true}}"',
      '',
    ]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from './store.js';
import { handleOf } from './database.js';
import { GroupCommit } from './groupCommit.js';
import { tempDir } from '../../test/support/tempDir.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  tmp = tempDir('vhr-gc-');
  store = Store.open(join(tmp.path, 'a.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const rec = (raw: string) => ({ sourceId: 'lab', format: 'hl7v2', raw: Buffer.from(raw), naturalKey: raw });

describe('group commit', () => {
  it('commits writes of one event-loop turn in one transaction and resolves each with its own result', async () => {
    const gc = new GroupCommit(handleOf(store));
    const results = await Promise.all([1, 2, 3, 4].map((i) => gc.run(() => store.insertMessage(rec(`m${i}`), 1000).id)));
    expect(results).toEqual([1, 2, 3, 4]);
    expect(gc.largestBatch).toBe(4);
    expect(store.messageCounts().received).toBe(4);
  });

  it('rolls back and rejects only the write that failed', async () => {
    const gc = new GroupCommit(handleOf(store));
    const outcomes = await Promise.allSettled([
      gc.run(() => store.insertMessage(rec('ok1'), 1000).id),
      gc.run(() => {
        store.insertMessage(rec('half-done'), 1000);
        throw new Error('bad message');
      }),
      gc.run(() => store.insertMessage(rec('ok2'), 1000).id),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.listMessages(10).map((m) => m.naturalKey).sort()).toEqual(['ok1', 'ok2']);
  });
});

// Encryption at rest (DESIGN §9): after real records flow through the agent, the database
// file copied alone holds none of their names, citizen ids or insurance card numbers; search
// still finds them; rotating the key re-seals every payload.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { checkpointWal } from '../support/dbOracle.js';
import { Store } from '../../main/store/store.js';
import { dropUnusedKeys, openKeyring, rotateKey } from '../../main/store/keyring.js';
import { PayloadCipher } from '../../main/store/payloadCipher.js';
import { readSharedSample } from '../support/sharedSamples.js';


/** Patient data of the inputs, as it would appear if stored in clear. */
const SECRETS = ['TRẦN THỊ HỒNG NHUNG', 'TRẦN THỊ', '079188004321', 'HN4790111222333', 'NGUYEN VAN AN', '771512744463', 'AK2921794823346'];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function fileHolds(path: string, text: string): boolean {
  const bytes = readFileSync(path);
  return bytes.includes(Buffer.from(text, 'utf8')) || bytes.includes(Buffer.from(text, 'utf16le'));
}

describe('encryption at rest', () => {
  it('a copied database reveals no patient data, yet the agent finds records by name and CCCD', async () => {
    h = await startHarness();
    h.drop('sample.xml', readSharedSample('xml130', 'outpatient-visit.xml'));
    h.drop('tiny.xml', envelopeOf([{ maLk: 'ENC1', hoTen: 'TRẦN THỊ HỒNG NHUNG', maBn: 'BN-ENC1', soCccd: '079188004321', maTheBhyt: 'HN4790111222333' }]));
    await waitFor(h.drained(2), { what: 'delivered' });

    // The stores got the data (the agent is not hiding it from them)…
    const [patient] = await h.fhir.search('province', 'Patient', { identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|079188004321' });
    expect((patient as { name?: { text?: string }[] }).name?.[0]?.text).toBe('TRẦN THỊ HỒNG NHUNG');

    // …the records officer can find it…
    const store = h.agent.store;
    expect(store.searchRecords({ q: 'tran thi hong nhung', limit: 5 }).map((r) => [r.recordKey, r.patientName, r.maBn])).toEqual([['ENC1', 'TRẦN THỊ HỒNG NHUNG', 'BN-ENC1']]);
    expect(store.searchRecords({ q: '079188004321', limit: 5 }).map((r) => r.recordKey)).toEqual(['ENC1']);
    expect(store.searchRecords({ q: 'nhung', limit: 5 }).map((r) => r.recordKey)).toEqual(['ENC1']);
    const detail = store.messageDetail(store.searchRecords({ q: 'ENC1', limit: 1 })[0]!.id)!;
    expect(detail.bundle).toContain('TRẦN THỊ HỒNG NHUNG');

    // …but the file itself, copied with its WAL, holds none of it.
    const dbPath = join(h.dataDir, 'vhr-agent.db');
    checkpointWal(dbPath);
    const copy = join(h.dataDir, 'copy.db');
    copyFileSync(dbPath, copy);
    for (const secret of SECRETS) expect(fileHolds(copy, secret), secret).toBe(false);
    const raw = new Database(copy, { readonly: true });
    const sealed = raw.prepare('SELECT raw, bundle FROM messages').all() as { raw: Buffer; bundle: Buffer }[];
    expect(sealed.every((r) => PayloadCipher.keyIdOf(r.raw) === 1 && PayloadCipher.keyIdOf(r.bundle) === 1)).toBe(true);
    raw.close();
    expect(statSync(join(h.dataDir, 'keys.json')).mode & 0o777).toBe(0o600);
  });

  it("a store's error text quoting the patient is sealed: the copied database holds none of it, the operator still reads it", async () => {
    h = await startHarness();
    const quote = 'Patient TRẦN THỊ HỒNG NHUNG (CCCD 079188004321, thẻ HN4790111222333) already exists';
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: quote }] };
    h.fhir.faults('province').push({ status: 503, body: `upstream said: ${quote}`, method: 'POST', headers: { 'Retry-After': '0' } }, { status: 422, body: outcome, method: 'POST' });
    h.drop('quoted.xml', envelopeOf([{ maLk: 'ERR1', hoTen: 'TRẦN THỊ HỒNG NHUNG', maBn: 'BN-ERR1', soCccd: '079188004321', maTheBhyt: 'HN4790111222333' }]));
    await waitFor(h.drained(1), { what: 'settled' });
    const store = h.agent.store;
    const id = store.searchRecords({ q: 'ERR1', limit: 1 })[0]!.id;
    const province = store.deliveriesOf(id).find((d) => d.destinationId === 'province')!;
    // The operator still sees what the store said…
    expect(province.state).toBe('rejected');
    expect(province.lastError).toContain('TRẦN THỊ HỒNG NHUNG');
    expect(store.attemptsOf(id).some((a) => a.response?.includes('079188004321'))).toBe(true);
    // …but the database file, copied with its WAL, holds none of it.
    const dbPath = join(h.dataDir, 'vhr-agent.db');
    checkpointWal(dbPath);
    const copy = join(h.dataDir, 'copy-errors.db');
    copyFileSync(dbPath, copy);
    for (const secret of SECRETS.slice(0, 4)) expect(fileHolds(copy, secret), secret).toBe(false);
  });

  it('rotating the key re-seals every payload and drops the old key when nothing needs it', async () => {
    h = await startHarness();
    h.drop('tiny.xml', envelopeOf([{ maLk: 'ROT1', hoTen: 'LÊ VĂN TÁM' }, { maLk: 'ROT2' }]));
    await waitFor(h.drained(2));
    await h.agent.stop();
    const keyring = { path: join(h.dataDir, 'keys.json') };
    expect(rotateKey(keyring)).toBe(2);
    expect(rotateKey(keyring)).toBe(3);
    const store = Store.open(join(h.dataDir, 'vhr-agent.db'), openKeyring(keyring));
    try {
      expect([...store.keysInUse()]).toEqual([1]);
      let changed = 0;
      for (let after: number | null = 0; after !== null; ) {
        const r = store.resealPayloads(after, 1);
        changed += r.changed;
        after = r.nextAfterId;
      }
      expect(changed).toBe(2);
      expect([...store.keysInUse()]).toEqual([3]);
      expect(dropUnusedKeys(keyring, store.keysInUse())).toEqual([2]); // key 1 stays: it derives the search hashes
      const after = Store.open(join(h.dataDir, 'vhr-agent.db'), openKeyring(keyring));
      expect(after.searchRecords({ q: 'le van tam', limit: 5 }).map((r) => [r.recordKey, r.patientName])).toEqual([['ROT1', 'LÊ VĂN TÁM']]);
      after.close();
    } finally {
      store.close();
    }
  });
});

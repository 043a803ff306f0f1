// The convert stage checks each claim record as it converts it and stores the findings with
// the outcome; a record with findings is still queued for delivery. Expected rows come from
// reading the sample's decoded XML2 with plain text search (test/support/claimChecks.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Store } from '../store/store.js';
import { ConvertWorker } from './convertWorker.js';
import { createLogger } from '../log.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { hosoToXml, splitEnvelope } from '../../connectors/formats/xml130/envelope/envelope.js';
import type { CompactFinding } from '../../connectors/formats/xml130/checks/findings.js';
import { columnOf, innerTables, readSample } from '../../test/support/claimChecks.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vhr-convert-findings-'));
  store = Store.open(join(dir, 'agent.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function storeSample(name: string): Promise<number> {
  for await (const ev of splitEnvelope(Readable.from([Buffer.from(readSample(name))]))) {
    if (ev.kind === 'hoso') return store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(hosoToXml(ev.hoso)), naturalKey: null }, Date.now()).id;
  }
  throw new Error(`${name}: no record`);
}

describe('convert stage with claim checks', () => {
  it('stores the findings of inpatient-30-drugs.xml with its conversion and still queues it for delivery', async () => {
    const id = await storeSample('inpatient-30-drugs.xml');
    const worker = new ConvertWorker({
      store,
      logger: createLogger(),
      context: () => ({ facilityCode: '94170', now: new Date('2026-03-01T00:00:00Z'), profilePack: defaultProfilePack() }),
      destinations: () => ['province'],
    });
    expect((await worker.convertBatch()).count).toBe(1);
    expect(store.message(id)!.state).toBe('converted');
    expect(store.deliveriesOf(id).map((d) => [d.destinationId, d.state])).toEqual([['province', 'pending']]);

    const xml2 = innerTables(readSample('inpatient-30-drugs.xml')).get('XML2')!;
    const ordered = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_YL');
    const given = columnOf(xml2, 'CHI_TIET_THUOC', 'NGAY_TH_YL');
    const early = ordered.flatMap((o, i) => (given[i]! < o ? [i + 1] : []));
    expect(early).toHaveLength(23);
    const stored = JSON.parse(store.findingsOf(id)!) as CompactFinding[];
    expect(stored.filter(([rule]) => rule === 'XML2.NGAY_TH_YL.BEFORE_ORDER').map(([, table, row, field]) => [table, row, field])).toEqual(early.map((row) => ['XML2', row, 'NGAY_TH_YL']));
    // Rule ids, table names, positions and element names only: no value of the record.
    const values = [...new Set([...ordered, ...given])];
    expect(values.some((v) => store.findingsOf(id)!.includes(v))).toBe(false);
  }, 60_000);
});

// Records too large to be built whole (storedRecord.ts) go into the store from chunks: the
// bytes kept must be exactly the record's stored form (hosoToXml of the same HOSO, built whole
// by the record generator), with the same hash, size, key and dedupe as any other record.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDb } from '../../../test/support/dbOracle.js';
import { Store } from '../../../main/store/store.js';
import { openKeyring } from '../../../main/store/keyring.js';
import { generateEnvelope, generateStoredRecords } from '../../../tools/claimXml/generate.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { intakeClaimFile } from './claimFileIntake.js';
import { CHUNKED_RECORD_CHARS } from './storedRecord.js';

// 3,000 lines make a record of about 5.7 MB: read in some 20 chunks of the file, stored from chunks.
const GEN = { records: 3, seed: 5, lines: 3_000 };

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('vhr-large-record-');
});
afterEach(() => tmp.cleanup());

interface RawRow {
  record_index: number;
  raw: Buffer;
  raw_size: number;
  content_hash: string;
  natural_key: string;
}
const rawRows = (dbPath: string): RawRow[] =>
  readDb(dbPath, (db) => db.prepare('SELECT record_index, raw, raw_size, content_hash, natural_key FROM messages ORDER BY record_index').all() as RawRow[]);

describe('a claim file of very large records', () => {
  const expected = generateStoredRecords(GEN).map((s) => Buffer.from(s, 'utf8'));
  const file = () => {
    const path = join(tmp.path, 'big.xml');
    writeFileSync(path, generateEnvelope(GEN));
    return path;
  };

  it('stores each record byte for byte, sealed and deflated, with its hash and size', async () => {
    expect(Math.min(...expected.map((b) => b.length))).toBeGreaterThan(CHUNKED_RECORD_CHARS);
    const dbPath = join(tmp.path, 'enc', 'vhr-agent.db');
    const store = Store.open(dbPath, openKeyring({ path: join(tmp.path, 'enc', 'keys.json') }));
    try {
      const path = file();
      const result = await intakeClaimFile({ store, sourceId: 'his', path });
      expect(result).toMatchObject({ outcome: 'done', recordsInFile: 3, newRecords: 3, duplicates: 0, problems: [] });
      const rows = rawRows(dbPath);
      expect(rows.map((r) => r.record_index)).toEqual([0, 1, 2]);
      for (const [i, row] of rows.entries()) {
        expect(row.raw_size).toBe(expected[i]!.length);
        expect(row.content_hash).toBe(createHash('sha256').update(expected[i]!).digest('hex'));
        // Sealed in the framed, deflated form: "VE" 2, far smaller than the record.
        expect([...row.raw.subarray(0, 3)]).toEqual([0x56, 0x45, 0x02]);
        expect(row.raw.length).toBeLessThan(expected[i]!.length / 2);
        expect(row.natural_key).toMatch(/^94170\|/);
      }
      const ids = store.listMessages(10).map((m) => m.id);
      // Read back through the store (opened, inflated): the three records exactly.
      const opened = ids.map((id) => store.rawOf(id)!).sort(Buffer.compare);
      const wanted = [...expected].sort(Buffer.compare);
      expect(opened.map((b, i) => b.equals(wanted[i]!))).toEqual([true, true, true]);

      // The same records in another file: the same bytes, so duplicates, nothing new stored.
      const again = join(tmp.path, 'again.xml');
      writeFileSync(again, generateEnvelope(GEN).replace('<DANHSACHHOSO>', '<DANHSACHHOSO>\n'));
      expect(await intakeClaimFile({ store, sourceId: 'his', path: again })).toMatchObject({ outcome: 'done', newRecords: 0, duplicates: 3 });
    } finally {
      store.close();
    }
  });

  it('stores the same bytes in clear when encryption at rest is off', async () => {
    const dbPath = join(tmp.path, 'plain', 'vhr-agent.db');
    const store = Store.open(dbPath);
    try {
      expect(await intakeClaimFile({ store, sourceId: 'his', path: file() })).toMatchObject({ outcome: 'done', newRecords: 3 });
    } finally {
      store.close();
    }
    expect(rawRows(dbPath).map((r) => r.raw.equals(expected[r.record_index]!))).toEqual([true, true, true]);
  });
});

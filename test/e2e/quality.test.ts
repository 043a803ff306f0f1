// Data quality "đúng – đủ – sạch – sống" measured on every record and summed for the reports.
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { readDb } from '../support/dbOracle.js';
import { localDayStart } from '../../main/store/reports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('data quality', () => {
  it('counts complete records and names the required fields that are missing', async () => {
    h = await startHarness();
    h.drop(
      'q.xml',
      envelopeOf([
        { maLk: 'Q1' },
        { maLk: 'Q2', soCccd: '' }, // no citizen id
        { maLk: 'Q3', soCccd: '0790' }, // a citizen id that is not 12 digits
      ]),
    );
    await waitFor(h.drained(3), { what: 'converted and delivered' });
    const q = h.agent.store.qualityReport(0, Date.now() + 1);
    expect(q).toMatchObject({ received: 3, converted: 3, invalid: 0, complete: 1, newVersions: 0 });
    expect(q.missingByField).toEqual([{ field: 'XML1/SO_CCCD', records: 2 }]);
    // Per day, for the reports: today holds all three, the day before none.
    const today = localDayStart(Date.now());
    const days = h.agent.store.qualityByDay(today - 86_400_000, today);
    expect(days.map((d) => [d.received, d.complete])).toEqual([
      [0, 0],
      [3, 1],
    ]);
    // The record's own page shows its issues; none of it is patient data in clear in the table.
    const row = readDb(h.agent.store.path, (db) => db.prepare("SELECT missing_fields FROM messages WHERE natural_key = '94170|Q3'").get() as { missing_fields: string });
    expect(row.missing_fields).toBe('XML1/SO_CCCD');
  });
});

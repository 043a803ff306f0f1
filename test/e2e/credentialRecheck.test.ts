// A destination paused for refused credentials is checked again on a timer and resumes by
// itself once the store accepts them (issue: "the banner promises it will resume by itself").
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { readDb } from '../support/dbOracle.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('re-check of paused credentials', () => {
  it('keeps the destination paused while the store refuses, and resumes it once the store accepts again', async () => {
    h = await startHarness({ agent: { credentialRecheckMs: 150 } });
    // Every request refused, the connection check's /metadata included.
    h.fhir.faults('province').push({ status: 401, times: 10_000 });
    h.drop('a.xml', envelopeOf(manyClaims(3, 'RC')));
    await waitFor(() => h!.destination('province').state === 'paused' && h!.destination('ministry').delivered === 3, { what: 'province paused for credentials' });
    expect(h.destination('province')).toMatchObject({ pausedBy: 'auth', pending: 3, delivered: 0 });
    // Several re-check rounds go by while the store still refuses: still paused, nothing sent.
    const requestsWhilePaused = () => h!.fhir.requestLog('province').length;
    const before = requestsWhilePaused();
    await waitFor(() => requestsWhilePaused() >= before + 3, { what: 're-checks reaching the store' });
    expect(h.destination('province')).toMatchObject({ state: 'paused', pausedBy: 'auth', delivered: 0 });

    // The store's side is fixed: the next re-check resumes sending, without anyone touching the agent.
    h.fhir.faults('province').clear();
    await waitFor(h.drained(3), { what: 'delivered after the re-check' });
    expect(h.destination('province')).toMatchObject({ state: 'ok', delivered: 3 });
    expect(h.destination('province').pausedBy).toBeUndefined();
    const attempts = readDb(join(h.dataDir, 'vhr-agent.db'), (d) =>
      d.prepare("SELECT outcome, count(*) AS n FROM delivery_attempts WHERE destination_id = 'province' GROUP BY outcome ORDER BY outcome").all(),
    ) as { outcome: string; n: number }[];
    expect(attempts.map((a) => a.outcome)).toEqual(['auth', 'delivered']);
  });
});

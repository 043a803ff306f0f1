// Reliable delivery (DESIGN §4.5–4.7) against the real loopback FHIR store behind its
// scripted fault layer: every test ends with exact states and exact counts at each store.
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const encounters = (base: string) => h!.fhir.countResources(base, 'Encounter');
const attemptsOf = (messageId: number, destination: string) => h!.agent.store.attemptsOf(messageId).filter((a) => a.destinationId === destination);
const messageIdOf = (maLk: string) => h!.agent.store.listMessages(10_000).find((m) => m.naturalKey === `94170|${maLk}`)!.id;
const posts = (base: string) => h!.fhir.requestLog(base).filter((r) => r.method === 'POST');

describe('delivery faults', () => {
  it('rides out a burst of 503s: every record once, the circuit opens and closes with one alert', async () => {
    h = await startHarness();
    h.fhir.faults('province').push({ status: 503, times: 6, method: 'POST' });
    h.drop('a.xml', envelopeOf(manyClaims(10, 'BU')));
    await waitFor(h.drained(10), { what: 'all delivered' });
    expect([await encounters('province'), await encounters('ministry')]).toEqual([10, 10]);
    expect(posts('province').filter((r) => r.status === 503)).toHaveLength(6);
    expect(h.destination('province')).toMatchObject({ state: 'ok', delivered: 10, pending: 0, rejected: 0 });
    const alerts = h.agent.store.recentAlerts(10);
    expect(alerts.map((a) => [a.kind, a.target, a.closedAt !== null])).toEqual([['destination_down', 'province', true]]);
    expect(h.destination('ministry').state).toBe('ok');
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    h = await startHarness();
    h.fhir.faults('ministry').push({ status: 429, headers: { 'Retry-After': '1' }, method: 'POST' });
    h.drop('a.xml', envelopeOf(manyClaims(1, 'RA')));
    await waitFor(h.drained(1), { what: 'delivered' });
    const [first, second] = attemptsOf(messageIdOf('RA0001'), 'ministry');
    expect([first!.outcome, first!.errorCode, first!.httpStatus, second!.outcome]).toEqual(['transient', 'HTTP_429', 429, 'delivered']);
    expect(second!.startedAt - first!.startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('re-sends after connection resets without duplicating anything', async () => {
    h = await startHarness();
    h.fhir.faults('province').push({ reset: true, times: 3, method: 'POST' });
    h.drop('a.xml', envelopeOf(manyClaims(4, 'RS')));
    await waitFor(h.drained(4), { what: 'delivered' });
    expect(await encounters('province')).toBe(4);
    expect(await h.fhir.countResources('province', 'Patient')).toBe(4);
    expect(posts('province').filter((r) => r.status === 0)).toHaveLength(3);
  });

  it('treats a response slower than the timeout as ambiguous, retries it, and the store holds one copy', async () => {
    h = await startHarness({ destinationExtra: { province: 'timeoutMs: 300' } });
    h.fhir.faults('province').push({ delayMs: 1500, method: 'POST' });
    h.drop('a.xml', envelopeOf(manyClaims(1, 'SL')));
    await waitFor(h.drained(1), { what: 'delivered' });
    await h.fhir.settled();
    const attempts = attemptsOf(messageIdOf('SL0001'), 'province');
    expect(attempts.map((a) => [a.outcome, a.errorCode ?? null])).toEqual([
      ['ambiguous', 'TIMEOUT_AFTER_SEND'],
      ['delivered', null],
    ]);
    expect(h.destination('province').ambiguous).toBe(1);
    expect(await encounters('province')).toBe(1);
  });

  it('pauses on 401 with one alert instead of burning retries, and resumes when the credentials change', async () => {
    h = await startHarness({
      destinationExtra: { province: 'auth: { type: bearer, token: "env:VHR_TEST_PROVINCE_TOKEN" }' },
      env: { VHR_TEST_PROVINCE_TOKEN: 'expired-token', VHR_TEST_PROVINCE_TOKEN_2: 'fresh-token' },
    });
    h.fhir.faults('province').push({ status: 401, times: 100, method: 'POST' });
    h.drop('a.xml', envelopeOf(manyClaims(3, 'AU')));
    await waitFor(() => h!.destination('province').state === 'paused' && h!.destination('ministry').delivered === 3, { what: 'paused' });
    const refused = posts('province').length;
    expect(refused).toBeLessThanOrEqual(4); // at most the batch in flight when it paused, not every record
    expect(h.agent.store.openAlerts().map((a) => [a.kind, a.target])).toEqual([['destination_auth', 'province']]);
    expect(h.destination('province')).toMatchObject({ pending: 3, delivered: 0, lastError: { code: 'HTTP_401' } });

    // IT staff put the new credential in place: the destination restarts with it, at once.
    h.fhir.faults('province').clear();
    const next = structuredClone(h.agent.config);
    next.destinations = next.destinations.map((d) => (d.id === 'province' ? { ...d, auth: { type: 'bearer' as const, token: 'env:VHR_TEST_PROVINCE_TOKEN_2' } } : d));
    await h.agent.applyConfig(next);
    await waitFor(h.drained(3), { what: 'delivered with the new credentials' });
    expect(await encounters('province')).toBe(3);
    expect(h.destination('province').state).toBe('ok');
    expect(h.agent.store.openAlerts()).toEqual([]);
    expect(h.agent.store.recentAlerts(5).map((a) => [a.kind, a.closedAt !== null])).toEqual([['destination_auth', true]]);
  });

  it('calls a wrong base URL misconfigured and pauses that destination only', async () => {
    h = await startHarness({ destinationExtra: { province: '' } });
    h.fhir.faults('province').push({ status: 404, times: 100, method: 'POST', path: '/' });
    h.drop('a.xml', envelopeOf(manyClaims(2, 'MC')));
    await waitFor(() => h!.destination('province').state === 'paused' && h!.destination('ministry').delivered === 2);
    expect(h.destination('province').lastError?.code).toBe('ENDPOINT_NOT_FOUND');
    expect(h.agent.store.openAlerts().map((a) => a.kind)).toEqual(['endpoint_misconfigured']);
  });
});

describe('order and batching', () => {
  it('keeps one patient\'s records in order while other patients flow past a failing one', async () => {
    h = await startHarness();
    // The first visit of patient P1 fails twice at the province; P1's second visit must wait for it.
    h.fhir.faults('province').push({ status: 503, times: 2, method: 'POST', bodyIncludes: 'V1-P1' });
    h.drop('a.xml', envelopeOf([{ maLk: 'V1-P1', maBn: 'P1' }, { maLk: 'V2-P1', maBn: 'P1' }, { maLk: 'V1-P2', maBn: 'P2' }]));
    await waitFor(h.drained(3), { what: 'delivered' });
    const deliveredAt = (maLk: string) => h!.agent.store.deliveriesOf(messageIdOf(maLk)).find((d) => d.destinationId === 'province')!.deliveredAt!;
    expect(deliveredAt('V1-P1')).toBeLessThanOrEqual(deliveredAt('V2-P1'));
    expect(deliveredAt('V1-P2')).toBeLessThanOrEqual(deliveredAt('V1-P1')); // P2 was not held back by P1
    expect(attemptsOf(messageIdOf('V2-P1'), 'province').map((a) => a.outcome)).toEqual(['delivered']);
    expect(await encounters('province')).toBe(3);
    expect(await h.fhir.countResources('province', 'Patient')).toBe(2);
  });

  it('sends several records per transaction while healthy, and isolates a bad record by halving', async () => {
    h = await startHarness();
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'MA_LK BA0013: thẻ BHYT hết hạn' }] };
    h.fhir.faults('ministry').push({ status: 422, body: outcome, times: 100, method: 'POST', bodyIncludes: 'BA0013' });
    h.drop('a.xml', envelopeOf(manyClaims(40, 'BA')));
    await waitFor(h.drained(40), { what: 'all settled' });
    expect(posts('province').length).toBeLessThan(40); // batched
    expect([await encounters('province'), await encounters('ministry')]).toEqual([40, 39]);
    expect(h.destination('ministry')).toMatchObject({ delivered: 39, rejected: 1 });
    const bad = h.agent.store.deliveriesOf(messageIdOf('BA0013')).find((d) => d.destinationId === 'ministry')!;
    expect([bad.state, bad.lastErrorCode, bad.lastError]).toEqual(['rejected', 'HTTP_422', expect.stringContaining('thẻ BHYT hết hạn')]);
  });
});

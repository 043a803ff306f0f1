// Operator actions from the command line against a running agent: they take effect at once,
// are audited with who/before/after, and a pause survives a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';
import { CLI } from '../support/agentProcess.js';
import { auditLog } from '../../main/store/operatorActions.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Runs the CLI without blocking the event loop (the agent answers from this same process). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('operator actions from the CLI', () => {
  it('pause, resume, cancel, resend filtered and retry rejected — each at once and audited', async () => {
    h = await startHarness();
    const data = ['--data', h.dataDir];
    const id = (maLk: string) => h!.agent.store.listMessages(100).find((m) => m.naturalKey === `94170|${maLk}`)!.id;

    // Pause the ministry, then records flow to the province only.
    expect((await cli(['pause', ...data, '--destination', 'ministry'])).code).toBe(0);
    expect(h.destination('ministry').state).toBe('paused');
    h.drop('a.xml', envelopeOf(manyClaims(3, 'OP')));
    await waitFor(() => h!.destination('province').delivered === 3, { what: 'province delivered' });
    expect(h.destination('ministry')).toMatchObject({ state: 'paused', pending: 3, delivered: 0 });

    // Cancel one record for the ministry; resume; the two others go.
    expect((await cli(['cancel', ...data, '--id', String(id('OP0002')), '--destination', 'ministry'])).code).toBe(0);
    expect((await cli(['resume', ...data, '--destination', 'ministry'])).code).toBe(0);
    await waitFor(() => h!.destination('ministry').delivered === 2, { what: 'ministry delivered after resume' });
    expect(h.agent.store.deliveriesOf(id('OP0002')).find((d) => d.destinationId === 'ministry')!.state).toBe('cancelled');
    expect(h.destination('ministry').pending).toBe(0);

    // Resend everything to the ministry (e.g. it lost its data): the cancelled one too, no duplicates.
    expect((await cli(['resend', ...data, '--destination', 'ministry', '--all'])).stdout).toMatch(/resend_matching done: 3 changed/);
    await waitFor(() => h!.destination('ministry').delivered === 3 && h!.destination('ministry').pending === 0, { what: 'resent' });
    expect(await h.fhir.countResources('ministry', 'Encounter')).toBe(3);

    // A store that rejected a record; fixed; retry all rejected.
    h.fhir.faults('province').push({ status: 422, method: 'POST', bodyIncludes: 'RJ0001' });
    h.drop('b.xml', envelopeOf(manyClaims(1, 'RJ')));
    await waitFor(() => h!.destination('province').rejected === 1, { what: 'rejected' });
    expect((await cli(['retry', ...data, '--rejected', '--destination', 'province'])).code).toBe(0);
    await waitFor(() => h!.destination('province').rejected === 0 && h!.destination('province').delivered === 4, { what: 'delivered after retry' });

    const audit = h.agent.store.auditLog(20).reverse();
    expect(audit.map((a) => [a.action, a.target, a.affected])).toEqual([
      ['pause_destination', 'ministry', 1],
      ['cancel', String(id('OP0002')), 1],
      ['resume_destination', 'ministry', 1],
      ['resend_matching', 'ministry', 3],
      ['retry_rejected', 'province', 1],
    ]);
    expect(audit.every((a) => a.actor.endsWith('@cli'))).toBe(true);
    expect(audit[1]!.detail).toMatchObject({ before: { deliveries: { ministry: 'pending' } }, after: { deliveries: { ministry: 'cancelled' } } });
  });

  it('says so plainly when no agent runs or the request is wrong', async () => {
    h = await startHarness();
    expect((await cli(['pause', '--data', join(h.dataDir, 'nowhere'), '--destination', 'ministry'])).stderr).toMatch(/no running agent found/);
    const wrong = await cli(['pause', '--data', h.dataDir, '--destination', 'moon']);
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/pause_destination refused: unknown destination "moon"/)]);
    expect((await cli(['resend', '--data', h.dataDir, '--destination', 'ministry'])).code).toBe(2);
  });
});

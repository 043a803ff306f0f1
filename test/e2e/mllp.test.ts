// HL7v2 over MLLP through the whole agent: a real socket, ACK after commit, the message
// converted and delivered to both stores; enhanced mode answers CA then the application ACK.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { waitFor } from '../support/waitFor.js';
import { encodeFrame, MllpDecoder } from '../../connectors/sources/mllp/framing.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { parsePrometheusText, sampleValue } from '../support/prometheusText.js';
import { readSharedSample } from '../support/sharedSamples.js';

const message = (name: string) => readSharedSample('hl7v2', name).toString('utf8').replace(/\r?\n/g, '\r');

let h: Harness | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await h?.close();
  h = undefined;
});

/** A sender that collects every ACK frame it receives. */
async function sender(address: string): Promise<{ send: (m: string) => void; acks: string[] }> {
  const [host, port] = address.split(':') as [string, string];
  socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
  const acks: string[] = [];
  const decoder = new MllpDecoder(1 << 20);
  socket.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(chunk)) if (e.kind === 'frame') acks.push(e.payload.toString('utf8'));
  });
  return { send: (m) => socket!.write(encodeFrame(m)), acks };
}

const msa = (ack: string) => ack.split('\r').find((seg) => seg.startsWith('MSA'))!.split('|').slice(1, 3);

describe('HL7v2 over MLLP through the agent', () => {
  it('acknowledges after commit and delivers the converted message to both stores', async () => {
    h = await startHarness({ sources: ['{ id: lab, type: mllp, host: 127.0.0.1, port: 0 }'] });
    const address = h.agent.status().sources.find((s) => s.id === 'lab')!.address!;
    const lab = await sender(address);
    lab.send(message('ORU-R01-01.hl7'));
    lab.send(message('VXU-V04-01.hl7'));
    await waitFor(() => lab.acks.length === 2, { what: 'two ACKs' });
    expect(lab.acks.map(msa)).toEqual([
      ['AA', '2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325'],
      ['AA', 'MSG00001'],
    ]);
    await waitFor(h.drained(2), { what: 'delivered' });
    for (const base of ['province', 'ministry']) {
      expect(await h.fhir.countResources(base, 'DiagnosticReport')).toBeGreaterThanOrEqual(1);
      expect(await h.fhir.countResources(base, 'Immunization')).toBeGreaterThanOrEqual(1);
    }
    expect(h.agent.status().sources.find((s) => s.id === 'lab'), JSON.stringify(h.agent.status().sources)).toMatchObject({ state: 'listening', received: 2 });

    // /metrics says what the analyzer waited: two ACKs timed, two frames stored, one commit or two.
    const info = JSON.parse(readFileSync(join(h.dataDir, 'api.json'), 'utf8')) as ApiInfo;
    const scrape = async () => parsePrometheusText(await (await fetch(`${info.url}${pathTo(ROUTES.metrics)}`, { headers: { Authorization: `Bearer ${info.token}` } })).text());
    const families = await waitFor(async () => {
      const f = await scrape();
      return sampleValue(f, 'vhr_mllp_ack_seconds_count', { source: 'lab' }) === 2 ? f : undefined;
    }, { what: 'the listener thread reported its ACKs' });
    expect(families.get('vhr_mllp_ack_seconds')?.type).toBe('histogram');
    expect(sampleValue(families, 'vhr_mllp_ack_seconds_bucket', { source: 'lab', le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'vhr_mllp_frames_total', { source: 'lab', outcome: 'stored' })).toBe(2);
    expect(sampleValue(families, 'vhr_mllp_frames_total', { source: 'lab', outcome: 'duplicate' })).toBe(0);
    expect(sampleValue(families, 'vhr_mllp_commits_total', { source: 'lab' })).toBeGreaterThanOrEqual(1);
  });

  it('enhanced mode: CA after commit, then AA once converted, or AE with the reason', async () => {
    h = await startHarness({ sources: ['{ id: lab, type: mllp, host: 127.0.0.1, port: 0, ackMode: enhanced }'] });
    const lab = await sender(h.agent.status().sources.find((s) => s.id === 'lab')!.address!);
    lab.send(message('ADT-A01-01.hl7'));
    await waitFor(() => lab.acks.length === 2, { what: 'accept and application ACKs' });
    expect(lab.acks.map((a) => msa(a)[0])).toEqual(['CA', 'AA']);
    // A message the agent stores but cannot convert: a query carries no clinical data.
    lab.send(message('ADT-A01-01.hl7').replace('MSG00001', 'RDE-1').replace('ADT^A01^ADT_A01', 'QRY^A19^QRY_A19'));
    await waitFor(() => lab.acks.length === 4, { what: 'ACKs of the second message' });
    expect(msa(lab.acks[2]!)).toEqual(['CA', 'RDE-1']);
    expect(msa(lab.acks[3]!)).toEqual(['AE', 'RDE-1']);
    expect(lab.acks[3]).toMatch(/\rERR\|/);
  });
});

// The lab feed while claims convert on the conversion threads (DESIGN §4.1, §4.9): ACK after
// commit holds when the agent is killed mid-stream, and a record that hangs or crashes its
// conversion thread ends `invalid` with a reason while MLLP intake and the other records go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent } from '../../main/agent/agent.js';
import { callAgent } from '../../main/api/agentClient.js';
import { ROUTES } from '../../main/api/routeTable.js';
import type { ApiInfo } from '../../main/api/contract.js';
import { parseConfigText } from '../../main/config/load.js';
import { createLogger } from '../../main/log.js';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { encodeFrame, MllpDecoder } from '../../connectors/sources/mllp/framing.js';
import { CLI, exited, prepareAgentRun, startAgentProcess } from '../support/agentProcess.js';
import { readDb } from '../support/dbOracle.js';
import { readSharedSample } from '../support/sharedSamples.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const MISBEHAVING = pathToFileURL(join(PACKAGE_ROOT, 'test', 'fixtures', 'engine', 'misbehavingTask.mjs'));
const SAMPLE = readSharedSample('hl7v2', 'ORU-R01-01.hl7').toString('utf8').replace(/\r?\n/g, '\r').replace(/\r+$/, '');

/** The sample lab result under another MSH-10. */
function labMessage(controlId: string): string {
  const segments = SAMPLE.split('\r');
  const msh = segments[0]!.split('|');
  msh[9] = controlId;
  return [msh.join('|'), ...segments.slice(1)].join('\r');
}

const msa = (ack: string) => ack.split('\r').find((s) => s.startsWith('MSA'))!.split('|');

/** One connection, one message in flight: sends the next only after the ACK of the last. */
class LabSender {
  readonly acked: string[] = [];
  private socket?: Socket;
  private stopped = false;
  private waiting?: (ack: string) => void;

  async open(port: number): Promise<void> {
    this.socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    this.socket.on('error', () => this.waiting?.(''));
    this.socket.on('close', () => this.waiting?.(''));
    const decoder = new MllpDecoder(1 << 20);
    this.socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) if (e.kind === 'frame') this.waiting?.(e.payload.toString('utf8'));
    });
  }

  /** Sends one message; resolves with its ACK text ('' when the connection ended first). */
  send(controlId: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = (ack) => {
        this.waiting = undefined;
        const [, code, id] = ack ? msa(ack) : [];
        if (code === 'AA' && id === controlId) this.acked.push(controlId);
        resolve(ack);
      };
      this.socket!.write(encodeFrame(labMessage(controlId)));
    });
  }

  /** Sends until stop() or the connection ends. */
  async stream(prefix: string): Promise<void> {
    for (let i = 0; !this.stopped; i++) if (!(await this.send(`${prefix}-${i}`))) return;
  }

  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
  }
}

let tmp: ReturnType<typeof tempDir>;
let fhir: LocalFhirStore;
beforeAll(async () => {
  tmp = tempDir('vhr-crash-mllp-');
  fhir = await startLocalFhirStore({ bases: ['province', 'ministry'], validate: false });
});
afterAll(async () => {
  await fhir.close();
  tmp.cleanup();
});

const labKeys = (dbPath: string) => new Set(readDb(dbPath, (db) => (db.prepare("SELECT natural_key AS k FROM messages WHERE source_id = 'lab'").all() as { k: string }[]).map((r) => r.k)));
const claimsConverted = (dbPath: string) => readDb(dbPath, (db) => (db.prepare("SELECT count(*) AS n FROM messages WHERE source_id = 'his' AND state = 'converted'").get() as { n: number }).n);

describe('MLLP with claims converting on the threads', () => {
  it('kill -9 during MLLP load: every ACKed message is in the database', { timeout: 180_000 }, async () => {
    expect(existsSync(CLI)).toBe(true); // built by `npm test` (tsc) before the tests run
    const run = prepareAgentRun(join(tmp.path, 'kill'), fhir, { records: 300, prefix: 'KM', quietMs: 20, commitEvery: 50, extraSources: ['{ id: lab, type: mllp, host: 127.0.0.1, port: 0 }'] });
    const agent = startAgentProcess(run.configPath);
    const lab = new LabSender();
    try {
      const apiFile = join(run.dbPath, '..', 'api.json');
      const info: ApiInfo = await waitFor(() => (existsSync(apiFile) ? (JSON.parse(readFileSync(apiFile, 'utf8')) as ApiInfo) : undefined), { what: 'api.json', timeoutMs: 60_000 });
      const address = await waitFor(
        async () => {
          const r = await callAgent(info, ROUTES.status);
          return r.ok ? r.body.sources.find((s) => s.id === 'lab' && s.state === 'listening')?.address : undefined;
        },
        { what: 'the MLLP listener', timeoutMs: 30_000 },
      );
      await lab.open(Number(address.split(':').pop()));
      const streaming = lab.stream('KILL');
      // Kill once the threads convert claims and the lab feed is well under way.
      await waitFor(() => lab.acked.length >= 100 && claimsConverted(run.dbPath) > 0, { what: 'ACKs while claims convert', timeoutMs: 120_000, intervalMs: 5 });
      agent.kill('SIGKILL');
      await exited(agent);
      await streaming;
    } finally {
      lab.stop();
      if (agent.exitCode === null && !agent.signalCode) agent.kill('SIGKILL');
      await exited(agent);
    }
    const stored = labKeys(run.dbPath);
    const lost = lab.acked.filter((id) => !stored.has(id));
    expect(lab.acked.length).toBeGreaterThanOrEqual(100);
    expect(lost).toEqual([]);
  });

  it('a record that hangs its thread and one that crashes it end invalid with a reason; intake and the rest go on', { timeout: 180_000 }, async () => {
    const dataDir = join(tmp.path, 'contain');
    const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(dataDir)}
sources: [{ id: lab, type: mllp, host: 127.0.0.1, port: 0 }]
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}" }
retry: { baseDelayMs: 20, maxDelayMs: 200 }
`;
    const agent = new Agent(parseConfigText(yaml, tmp.path), {
      logger: createLogger({ dataDir }),
      engine: { threads: 1, taskModule: MISBEHAVING, timeLimitMs: 4000, timeLimitPerMiBMs: 0 },
    });
    await agent.start();
    const lab = new LabSender();
    try {
      await lab.open(Number(agent.status().sources.find((s) => s.id === 'lab')!.address!.split(':').pop()));
      const ids = ['BEFORE-1', 'HANG-THIS-THREAD-1', 'CRASH-THIS-THREAD-1', ...Array.from({ length: 20 }, (_, i) => `AFTER-${i}`)];
      for (const id of ids) await lab.send(id);
      expect(lab.acked).toEqual(ids);
      const dbPath = agent.store.path;
      const rows = () => readDb(dbPath, (db) => db.prepare("SELECT natural_key AS k, state, error_code AS code, error_message AS message FROM messages WHERE source_id = 'lab' ORDER BY id").all() as { k: string; state: string; code: string | null; message: string | null }[]);
      await waitFor(() => rows().every((r) => r.state !== 'received'), { what: 'every lab message converted or invalid', timeoutMs: 120_000, intervalMs: 50 });
      const byKey = new Map(rows().map((r) => [r.k, r]));
      expect(byKey.get('HANG-THIS-THREAD-1')).toMatchObject({ state: 'invalid', code: 'CONVERT_TIMEOUT', message: 'converting this record took longer than 4 s and was stopped; the record is kept and can be retried' });
      expect(byKey.get('CRASH-THIS-THREAD-1')).toMatchObject({ state: 'invalid', code: 'CONVERTER_CRASHED', message: expect.stringContaining('the conversion thread crashed on this record (simulated fault in the conversion thread)') });
      const others = ids.filter((id) => !id.includes('-THIS-THREAD'));
      expect(others.map((id) => byKey.get(id)?.state)).toEqual(others.map(() => 'converted'));
      expect(agent.convertWorker.engineStats()).toMatchObject({ crashed: 1, timedOut: 1, replaced: 2 });
      await waitFor(() => agent.status().destinations[0]!.delivered === others.length, { what: 'the others delivered', timeoutMs: 60_000 });
    } finally {
      lab.stop();
      await agent.stop();
    }
  });
});

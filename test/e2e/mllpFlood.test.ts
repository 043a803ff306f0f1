// A flood of never-ending MLLP frames against the built agent, measured from outside
// (docs/security.md): 60 connections each streaming 15 MiB of a frame that never ends keep the
// agent process under 600 MiB RSS, while a normal sender on its own connection is ACKed.
// Loopback only; every loop is bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { CLI, exited } from '../support/agentProcess.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { encodeFrame, MllpDecoder, VT } from '../../connectors/sources/mllp/framing.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';

const MiB = 1024 * 1024;
let agent: ChildProcess | undefined;
let tmp: ReturnType<typeof tempDir> | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (agent && agent.exitCode === null) {
    agent.kill('SIGTERM');
    await exited(agent);
  }
  tmp?.cleanup();
});

/** Resident memory of a process, read from /proc (what the operating system charges it). */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    sockets.push(s);
    s.once('error', reject);
  });
}

let floodClosed = 0;

/** Streams `bytes` of one frame that never ends; resolves when sent or when the agent cut the connection. */
async function floodOne(port: number, bytes: number): Promise<'sent' | 'cut'> {
  let s: Socket;
  try {
    s = await connected(port);
  } catch {
    floodClosed++;
    return 'cut';
  }
  const chunk = Buffer.alloc(MiB, 0x41);
  let cut = false;
  s.on('error', () => (cut = true));
  s.on('close', () => {
    cut = true;
    floodClosed++;
  });
  if (!s.write(Buffer.from([VT]))) await new Promise((r) => s.once('drain', r));
  for (let sent = 0; sent < bytes && !cut; sent += chunk.length) {
    if (!s.write(chunk)) await new Promise<void>((r) => {
      s.once('drain', () => r());
      s.once('close', () => r());
    });
  }
  return cut ? 'cut' : 'sent';
}

async function normalSender(port: number, controlId: string): Promise<string> {
  const s = await connected(port);
  const decoder = new MllpDecoder(MiB);
  const ack = new Promise<string>((resolve, reject) => {
    s.on('data', (c: Buffer) => {
      for (const e of decoder.push(c)) if (e.kind === 'frame') resolve(e.payload.toString('utf8'));
    });
    s.on('close', () => reject(new Error('connection closed before the ACK')));
  });
  s.write(encodeFrame(`MSH|^~\\&|LIS|BV01|VHR|SYT|20260301080000||ADT^A01^ADT_A01|${controlId}|P|2.5\rPID|1||BN1^^^BV01^MR||NGUYEN^VAN A`));
  return ack;
}

describe('MLLP flood against the running agent', () => {
  it('60 × 15 MiB unterminated frames: RSS stays under 600 MiB and a normal sender is ACKed', { timeout: 240_000 }, async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    if (!existsSync('/proc/self/status')) throw new Error('this measurement reads /proc (Linux)');
    tmp = tempDir('vhr-flood-');
    const port = await freePort();
    const config = join(tmp.path, 'agent.yaml');
    writeFileSync(config, `facility: { code: "94170" }\ndataDir: ${JSON.stringify(join(tmp.path, 'data'))}\nsources: [{ id: lab, type: mllp, host: 127.0.0.1, port: ${port} }]\n`);
    agent = spawn(process.execPath, [CLI, 'run', '--config', config, '--quiet'], { stdio: 'ignore' });
    const pid = agent.pid!;
    await waitFor(async () => {
      try {
        (await connected(port)).destroy();
        return true;
      } catch {
        return false;
      }
    }, { what: 'agent listening', timeoutMs: 60_000 });
    expect(readAck(await normalSender(port, 'BEFORE1')).code).toBe('AA');

    let peak = rssBytes(pid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 25);
    try {
      const flood = Promise.all(Array.from({ length: 60 }, () => floodOne(port, 15 * MiB)));
      // While the flood runs, a normal sender still gets its ACK.
      const during = await normalSender(port, 'DURING1');
      const outcomes = await flood;
      const after = await normalSender(port, 'AFTER1');
      expect(readAck(during).code).toBe('AA');
      expect(readAck(after).code).toBe('AA');
      expect(outcomes).toHaveLength(60);
      // The budget (128 MiB by default) holds about 8 such frames; the agent cut the others.
      await waitFor(() => floodClosed >= 50, { what: 'flooding connections cut by the agent', timeoutMs: 60_000 });
    } finally {
      clearInterval(sampler);
      process.stdout.write(`agent peak RSS: ${(peak / MiB).toFixed(0)} MiB\n`);
    }
    expect(peak).toBeLessThan(600 * MiB);
  });
});

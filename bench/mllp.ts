// MLLP intake throughput on loopback: commit-before-ACK (SQLite, synchronous=FULL) versus a
// plain listener with the same framing that ACKs without storing, measured in the same run.
// Each connection sends one message and waits for its ACK before the next, as senders do.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Store } from '../main/store/store.js';
import { readDb } from '../test/support/dbOracle.js';
import { parseHl7Text, readHeaderFields } from '../connectors/formats/hl7v2/parse.js';
import { buildAck } from '../connectors/sources/mllp/ack.js';
import { encodeFrame, MllpDecoder } from '../connectors/sources/mllp/framing.js';
import { MllpListener } from '../connectors/sources/mllp/listener.js';

const MESSAGES_ONE_CONNECTION = 3000;
const MESSAGES_PER_CONNECTION_OF_8 = 750;

export function message(id: string): Buffer {
  return Buffer.from(
    [
      `MSH|^~\\&|HIS|BV01|VHR|SYT|20260301080000||ADT^A01^ADT_A01|${id}|P|2.5`,
      'EVN|A01|20260301080000',
      `PID|1||BN${id}^^^BV01^MR||NGUYỄN^VĂN AN||19800215|M|||12 Lê Lợi^^Huế^^^VNM`,
      `PV1|1|I|K01^101^2||||BS01^TRẦN^BÌNH||||||||||||VV${id}`,
    ].join('\r'),
  );
}

/** A plain listener: same framing and parse, ACK built at once, nothing stored. */
export function startPlain(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const decoder = new MllpDecoder(1 << 24);
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'frame') continue;
        const text = e.payload.toString('utf8');
        const parsed = parseHl7Text(text);
        const ack = buildAck({ header: readHeaderFields(text), code: parsed.ok ? 'AA' : 'AE', ackControlId: 'X', now: new Date() });
        socket.write(encodeFrame(ack));
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/**
 * Sends `count` messages on one connection, at most `window` of them waiting for their ACK at
 * any time (1: each after the previous ACK, as most senders do); returns latencies (ms).
 */
async function sendSequential(port: number, prefix: string, count: number, window = 1): Promise<number[]> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const decoder = new MllpDecoder(1 << 20);
  const latencies: number[] = [];
  const sentAt: number[] = [];
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve) => {
    const send = () => {
      sentAt.push(performance.now());
      socket.write(encodeFrame(message(`${prefix}-${sent++}`)));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'frame') continue;
        // ACKs come back in message order on one connection.
        latencies.push(performance.now() - sentAt[acked++]!);
        if (sent < count) send();
        else if (acked === count) resolve();
      }
    });
    while (sent < Math.min(window, count)) send();
  });
  socket.destroy();
  return latencies;
}

export interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

/** What one run of senders saw: every ACK latency (ms) and the wall time it took (s). */
export interface Run {
  latencies: number[];
  seconds: number;
}

/** Figures of one or several runs taken together (e.g. interleaved with another listener's). */
export function figuresOf(...runs: Run[]): Figures {
  const lat = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { perSecond: lat.length / seconds, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1]! };
}

/**
 * The senders run in a worker thread, on their own event loop and core, so that the
 * listener's figures are its own and not shared with the load it is measuring.
 */
export function measureRun(port: number, connections: number, perConnection: number, tag: string, window = 1): Promise<Run> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { port, connections, perConnection, tag, window } });
    worker.once('message', (r: Run) => resolve(r));
    worker.once('error', reject);
  });
}

export async function measure(port: number, connections: number, perConnection: number, tag: string, window = 1): Promise<Figures> {
  return figuresOf(await measureRun(port, connections, perConnection, tag, window));
}

async function senders(port: number, connections: number, perConnection: number, tag: string, window: number): Promise<Run> {
  const t0 = performance.now();
  const all = await Promise.all(Array.from({ length: connections }, (_, c) => sendSequential(port, `${tag}-${c}`, perConnection, window)));
  return { latencies: all.flat(), seconds: (performance.now() - t0) / 1000 };
}

/**
 * The listener without storage on a thread of its own, as the agent's MLLP intake runs: the
 * fair upper bound for it in the same process and run.
 */
export function startPlainThread(): Promise<{ port: number; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'plain' } });
    worker.once('message', (port: number) => resolve({ port, stop: () => worker.terminate().then(() => undefined) }));
    worker.once('error', reject);
  });
}

if (!isMainThread && parentPort) {
  const d = workerData as { role?: 'plain'; port: number; connections: number; perConnection: number; window?: number; tag: string };
  if (d.role === 'plain') parentPort.postMessage((await startPlain()).port);
  else parentPort.postMessage(await senders(d.port, d.connections, d.perConnection, d.tag, d.window ?? 1));
}

export const fmt = (f: Figures): string => `${f.perSecond.toFixed(0).padStart(6)} msg/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   max ${f.max.toFixed(1)} ms`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vhr-bench-mllp-'));
  const store = Store.open(join(dir, 'bench.db'));
  const listener = new MllpListener({ sourceId: 'bench', host: '127.0.0.1', port: 0, store });
  const plain = await startPlain();
  try {
    const { port } = await listener.start();
    // Warm-up: JIT, SQLite page cache, socket paths.
    await measure(port, 1, 200, 'warm');
    await measure(plain.port, 1, 200, 'warm');
    const committed1 = await measure(port, 1, MESSAGES_ONE_CONNECTION, 'c1');
    const plain1 = await measure(plain.port, 1, MESSAGES_ONE_CONNECTION, 'p1');
    const committed8 = await measure(port, 8, MESSAGES_PER_CONNECTION_OF_8, 'c8');
    const plain8 = await measure(plain.port, 8, MESSAGES_PER_CONNECTION_OF_8, 'p8');
    const stored = readDb(store.path, (db) => (db.prepare("SELECT count(*) AS n FROM messages WHERE source_id = 'bench'").get() as { n: number }).n);
    process.stdout.write(
      [
        '',
        'MLLP intake (loopback, one message in flight per connection, ACK after each; senders in a worker thread)',
        `  commit-before-ACK, 1 connection:   ${fmt(committed1)}`,
        `  plain (no store),  1 connection:   ${fmt(plain1)}`,
        `  commit-before-ACK, 8 connections:  ${fmt(committed8)}`,
        `  plain (no store),  8 connections:  ${fmt(plain8)}`,
        `  ratio committed/plain: ${(committed1.perSecond / plain1.perSecond).toFixed(2)} (1 conn), ${(committed8.perSecond / plain8.perSecond).toFixed(2)} (8 conns)`,
        `  commits: ${listener.commitStats().batches} for ${listener.commitStats().messages} messages (largest ${listener.commitStats().largestBatch} in one fsync)`,
        `  rows stored: ${stored} (expected ${200 + MESSAGES_ONE_CONNECTION + 8 * MESSAGES_PER_CONNECTION_OF_8}), SQLite WAL synchronous=FULL`,
        '',
      ].join('\n'),
    );
  } finally {
    await listener.stop();
    await new Promise((r) => plain.server.close(r));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

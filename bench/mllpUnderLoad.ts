// The lab feed while claims convert, in one agent process as a hospital runs it: 600 claim
// records (60 lines each) waiting for conversion and delivery to a loopback FHIR store (its
// own process), while one MLLP connection sends one message at a time and waits for each
// ACK (commit before ACK, synchronous=FULL). Beside it, in the same process and run, a
// parse-and-ACK listener without storage on a thread of its own, as the agent's listener
// runs; the two are measured in alternating rounds so that both see the same load. Then the
// same with a sender that keeps 8 messages in flight on its one connection, where group
// commit shares an fsync. Targets (issue: a lab feed never waits): ACK p99 < 15 ms, no ACK
// slower than 250 ms, durable msg/s ≥ 0.5 × the listener without storage.
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../main/agent/agent.js';
import { parseConfigText } from '../main/config/load.js';
import { createLogger } from '../main/log.js';
import { Store } from '../main/store/store.js';
import { hosoToXml, splitEnvelope, type EnvelopeHeader } from '../connectors/formats/xml130/envelope/envelope.js';
import { generateEnvelope } from '../tools/claimXml/generate.js';
import { tempDir } from '../test/support/tempDir.js';
import { readDb } from '../test/support/dbOracle.js';
import { startStoreProcess } from './backlog.js';
import { figuresOf, fmt, measure, measureRun, startPlainThread, type Run } from './mllp.js';
import { MllpThreadSource } from '../main/intake/mllpThreadSource.js';
import { ACK_TIME_BOUNDS_MS, type AckTime } from '../connectors/sources/mllp/listener.js';
import { startSchedulerProbe } from './schedulerProbe.js';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

/** Claim records stored as received (what the folder source leaves behind), waiting for conversion. */
async function fillClaimBacklog(dbPath: string, dir: string, records: number, lines: number): Promise<void> {
  const file = join(dir, 'claims.xml');
  writeFileSync(file, generateEnvelope({ records, seed: 13, lines }));
  const store = Store.open(dbPath);
  let header: EnvelopeHeader = {};
  const rows: Buffer[] = [];
  for await (const ev of splitEnvelope(createReadStream(file))) {
    if (ev.kind === 'header') header = ev.header;
    else rows.push(Buffer.from(hosoToXml(ev.hoso, header)));
  }
  store.transaction(() => rows.forEach((raw) => store.insertMessage({ sourceId: 'his', format: 'xml130', raw, naturalKey: null }, Date.now())));
  store.close();
}

/** The listener's ACK-time histogram in words: the share within each bound, and the slowest. */
function ackTimeText(t: AckTime): { count: number; text: string } {
  let within = 0;
  const shares = ACK_TIME_BOUNDS_MS.map((b, i) => {
    within += t.counts[i] ?? 0;
    return `≤${b} ms ${((100 * within) / Math.max(1, t.count)).toFixed(2)}%`;
  }).filter((_, i) => [0, 2, 4, 6, 8].includes(i));
  return { count: t.count, text: `${shares.join(', ')}; slowest ${t.maxMs.toFixed(1)} ms` };
}

/** Waits until the intake thread's last report has counted `expected` rows. */
async function waitForReport(counted: () => number, expected: number): Promise<void> {
  for (const t = Date.now(); counted() < expected && Date.now() - t < 5_000; ) await new Promise((r) => setTimeout(r, 50));
}

/** One 4 KiB write + fsync, 100 times, in the data folder: the floor of a durable ACK on this disk. */
function fsyncFloor(dir: string): string {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const t: number[] = [];
  const page = Buffer.alloc(4096, 1);
  try {
    for (let i = 0; i < 100; i++) {
      writeSync(fd, page);
      const t0 = performance.now();
      fsyncSync(fd);
      t.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
  t.sort((a, b) => a - b);
  return `p50 ${t[50]!.toFixed(1)} ms, p99 ${t[98]!.toFixed(1)} ms, max ${t[99]!.toFixed(1)} ms`;
}

export async function run(records = 600, lines = 60, messages = Number(process.env.VHR_BENCH_MLLP_MESSAGES ?? 3000)): Promise<void> {
  const tmp = tempDir('vhr-bench-mllp-load-');
  const fhir = await startStoreProcess();
  const plain = await startPlainThread();
  let agent: Agent | undefined;
  try {
    await fillClaimBacklog(join(tmp.path, 'vhr-agent.db'), tmp.path, records, lines);
    const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
sources: [{ id: lab, type: mllp, host: 127.0.0.1, port: 0 }]
destinations: [{ id: province, type: fhir, baseUrl: "${fhir.url}/province/fhir", concurrency: 4 }]
`;
    agent = new Agent(parseConfigText(yaml, tmp.path), { logger: createLogger() });
    await agent.start();
    const a = agent;
    const port = Number(a.status().sources.find((s) => s.id === 'lab')!.address!.split(':').pop());
    const claims = () => readDb(a.store.path, (db) => db.prepare("SELECT sum(format = 'xml130' AND state = 'converted') AS converted, sum(format = 'xml130' AND state = 'invalid') AS invalid FROM messages").get() as { converted: number | null; invalid: number | null });
    const delivered = () => a.status().destinations[0]!.delivered;
    // The conversion threads load the R4 definitions first: measure once claims are converting.
    for (let t = Date.now(); (claims().converted ?? 0) === 0; ) {
      if (Date.now() - t > 120_000) throw new Error('no claim record converted within 2 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    await measure(port, 1, 100, 'warm');
    await measure(plain.port, 1, 100, 'warm');
    const before = { ...claims(), delivered: delivered() };
    const probe = startSchedulerProbe();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    // Alternating rounds: the durable listener and the one without storage see the same load.
    const rounds = 6;
    const durableRuns: Run[] = [];
    const plainRuns: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      durableRuns.push(await measureRun(port, 1, Math.ceil(messages / rounds), `lab${r}`));
      plainRuns.push(await measureRun(plain.port, 1, Math.ceil(messages / rounds), `plain${r}`));
    }
    const durableWindow = await measureRun(port, 1, messages, 'labw', 8);
    const plainWindow = await measureRun(plain.port, 1, messages, 'plainw', 8);
    loop.disable();
    const idle = await probe.stop();
    const mid = { ...claims(), delivered: delivered() };
    const [durable, noStorage] = [figuresOf(...durableRuns), figuresOf(...plainRuns)];
    const [durable8, noStorage8] = [figuresOf(durableWindow), figuresOf(plainWindow)];
    const sent = 100 + Math.ceil(messages / rounds) * rounds + messages;
    const labRows = readDb(a.store.path, (db) => (db.prepare("SELECT count(*) AS n FROM messages WHERE source_id = 'lab'").get() as { n: number }).n);
    const stats = a.convertWorker.engineStats();
    const lab = a.sources.find((s): s is MllpThreadSource => s instanceof MllpThreadSource)!;
    await waitForReport(() => lab.stats()?.stats.stored ?? 0, labRows);
    const commits = lab.stats()!.commits;
    const listenerSide = ackTimeText(lab.stats()!.stats.ackTime);
    process.stdout.write(
      [
        '',
        `== MLLP while ${records} claim records (${lines} lines each) convert and deliver in the same agent (one connection; listeners on threads of their own)`,
        `  one message in flight, commit-before-ACK (agent):   ${fmt(durable)}`,
        `  one message in flight, parse-and-ACK, no storage:   ${fmt(noStorage)}`,
        `  ratio durable / no storage: ${(durable.perSecond / noStorage.perSecond).toFixed(2)}   (targets: p99 < 15 ms, max < 250 ms, ratio ≥ 0.5)`,
        `  8 messages in flight, commit-before-ACK (agent):    ${fmt(durable8)}`,
        `  8 messages in flight, parse-and-ACK, no storage:    ${fmt(noStorage8)}`,
        `  ratio durable / no storage with 8 in flight: ${(durable8.perSecond / noStorage8.perSecond).toFixed(2)}`,
        `  the listener's own view (last byte → ACK written, ${listenerSide.count} ACKs): ${listenerSide.text}`,
        `  commits of the lab feed: ${commits.batches} for ${commits.messages} messages (largest ${commits.largestBatch} in one fsync); ${commits.lockWaits} waited for the write lock, longest ${commits.longestLockWaitMs.toFixed(1)} ms`,
        `  event loop of the agent (not the listener's) during it: delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`,
        `  the machine meanwhile: an idle thread wakes late by p50 ${idle.p50.toFixed(2)} ms, p99 ${idle.p99.toFixed(1)} ms, max ${idle.max.toFixed(0)} ms; fsync of the data folder ${fsyncFloor(tmp.path)}`,
        `  claims during the run: converted ${before.converted ?? 0} → ${mid.converted ?? 0}, invalid ${mid.invalid ?? 0}, delivered ${before.delivered} → ${mid.delivered} of ${records + 100}+ records`,
        `  lab rows stored: ${labRows} (sent ${sent}); conversion threads: ${stats ? `${stats.converted} converted, ${stats.crashed} crashed, ${stats.timedOut} timed out` : 'none'}`,
        '',
      ].join('\n'),
    );
  } finally {
    await agent?.stop();
    await plain.stop();
    fhir.stop();
    tmp.cleanup();
  }
}

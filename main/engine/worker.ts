// Entry point of one conversion thread: loads its task module, says it is ready, then
// converts one record per message. A record that throws past convertRecord, or kills the
// thread, is the pool's to report (pool.ts); this loop never sees it.
import { parentPort, workerData } from 'node:worker_threads';
import type { JobMessage, TaskModule, TaskResult, ThreadInit, ThreadMessage } from './protocol.js';
import { yieldCpuToForeground } from '../util/threadPriority.js';

const port = parentPort;
if (!port) throw new Error('worker.js runs only as a conversion thread');
const init = workerData as ThreadInit;
// Converting is background work: MLLP ACKs, commits and the status screen come first.
yieldCpuToForeground();
const task = (await import(init.taskModule ?? new URL('./recordTask.js', import.meta.url).href)) as TaskModule;

function send(seq: number, result: TaskResult): void {
  const msg: ThreadMessage = { kind: 'result', seq, ...result };
  port!.postMessage(msg, result.ok ? [result.bundle.buffer as ArrayBuffer] : []);
}

port.on('message', (job: JobMessage) => {
  const result = task.runJob(job);
  // A failure to load what the record needs surfaces as the thread's error: the pool reports it.
  if (result instanceof Promise) void result.then((r) => send(job.seq, r));
  else send(job.seq, result);
});
port.postMessage({ kind: 'ready' } satisfies ThreadMessage);

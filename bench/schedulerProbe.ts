// How late the machine lets an idle thread run: a thread that does nothing but wake every
// millisecond records how late each wake-up is. Latencies of the product above this are the
// product's; below it, the machine's (a shared, overloaded host starves every thread alike).
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

export interface Lateness {
  p50: number;
  p99: number;
  max: number;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const late: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  port.once('message', () => {
    clearInterval(timer);
    late.sort((a, b) => a - b);
    const q = (p: number) => late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? 0;
    port.postMessage({ p50: q(0.5), p99: q(0.99), max: late[late.length - 1] ?? 0 } satisfies Lateness);
  });
}

/** Starts the probe; `stop()` gives the wake-up lateness seen since. */
export function startSchedulerProbe(): { stop: () => Promise<Lateness> } {
  const worker = new Worker(new URL(import.meta.url));
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (l: Lateness) => {
          void worker.terminate();
          resolve(l);
        });
        worker.postMessage('stop');
      }),
  };
}

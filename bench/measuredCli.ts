// Runs the built CLI with the given arguments, then writes its peak RSS (KiB) and CPU time (µs),
// threads included, as JSON to the file named by VHR_BENCH_RSS_OUT when the process exits.
import { writeFileSync } from 'node:fs';
import { peakRssKiB } from './peakMemory.js';

const out = process.env.VHR_BENCH_RSS_OUT;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    // VmHWM, not maxRSS: a child's maxRSS starts at its parent's peak on Linux (peakMemory.ts).
    writeFileSync(out, JSON.stringify({ maxRssKiB: peakRssKiB().kib, cpuMicros: u.userCPUTime + u.systemCPUTime }));
  });
}
await import('../main/cli.js');

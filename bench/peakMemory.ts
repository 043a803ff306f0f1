// The peak resident memory of this process alone. process.resourceUsage().maxRSS cannot serve in
// a child process on Linux: getrusage keeps the high-water mark across execve, so a child starts
// with its parent's (a bench parent that just generated 200 MB of XML passes that on). The
// kernel's VmHWM in /proc/self/status belongs to the process's own memory map, new at exec.
// Where /proc is missing (not Linux), maxRSS is the best there is.
import { readFileSync } from 'node:fs';

/** Peak resident set size so far, in KiB, and where it was read from. */
export function peakRssKiB(): { kib: number; source: 'VmHWM' | 'maxRSS' } {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return { kib: Number(m[1]), source: 'VmHWM' };
  } catch {
    // not Linux
  }
  return { kib: process.resourceUsage().maxRSS, source: 'maxRSS' };
}

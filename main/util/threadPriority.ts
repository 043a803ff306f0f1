// Background CPU work (converting records) gives way to the threads that answer people and
// devices: the event loop and the MLLP intake. On Linux the nice value belongs to each thread,
// so a conversion thread can lower its own priority without touching the rest of the agent;
// elsewhere (Windows, macOS) it is the whole process's, so nothing is changed there.
import { platform, setPriority } from 'node:os';

/** Nice value of background threads: they still get every idle cycle, but yield to the rest. */
export const BACKGROUND_NICE = 10;

/** Lowers the calling thread's CPU priority where that is per thread; false where it is not done. */
export function yieldCpuToForeground(nice = BACKGROUND_NICE): boolean {
  if (platform() !== 'linux') return false;
  try {
    setPriority(nice); // pid 0 = this thread (Linux nice values are per thread)
    return true;
  } catch {
    return false;
  }
}

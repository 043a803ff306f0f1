// Messages between the agent and its MLLP intake thread (mllpThread.ts). Everything crosses
// as plain data; the thread has its own connection to the store and its own event loop.
import type { MllpListenerOptions, CommitStats, MllpListenerStats } from '../../connectors/sources/mllp/listener.js';
import type { ApplicationOutcome } from '../../connectors/sources/mllp/intake.js';
import type { SourceStatus } from '../../connectors/sources/types.js';
import type { CipherKeys } from '../store/payloadCipher.js';

/** The listener's settings that are data (the store, callbacks and clock stay behind). */
export type ThreadListenerOptions = Omit<MllpListenerOptions, 'store' | 'onStored' | 'clock' | 'beforeCommit'>;

export interface MllpThreadInit {
  dbPath: string;
  cipher: CipherKeys;
  /** The agent's writer lock (writerLock.ts), shared: both connections queue on it. */
  writerLock: SharedArrayBuffer;
  listener: ThreadListenerOptions;
  /** How often the thread reports its status and counters while they change (ms). */
  reportIntervalMs: number;
}

export type ToThread = { kind: 'applicationAck'; messageId: number; outcome: ApplicationOutcome } | { kind: 'stop' };

export type FromThread =
  | { kind: 'started'; port: number; status: SourceStatus }
  | { kind: 'startFailed'; message: string }
  /** New rows committed since the last such message: the converter has work. */
  | { kind: 'stored'; count: number }
  | { kind: 'report'; status: SourceStatus; stats: MllpListenerStats; commits: CommitStats }
  | { kind: 'stopped' };

// What crosses between the main thread and a conversion thread: raw bytes (or the record's
// text, or a claim record as split: a few strings) in, serialised results out — strings and
// one byte buffer, never large object graphs, so the structured clone is a copy of bytes and
// the bundle's buffer is moved, not copied.
import type { ConvertedFacts, EngineInput, RecordFailure } from './recordResult.js';

/** Set once per thread, at start. */
export interface ThreadInit {
  /** The active profile pack, as JSON. */
  profilePackJson: string;
  /** Load the R4 definitions before saying ready, so no record's time limit pays for it. */
  loadValidator: boolean;
  /** Module the thread converts with (file URL); default: recordTask.js beside worker.js. */
  taskModule?: string;
}

export interface JobMessage {
  seq: number;
  format: string;
  raw: EngineInput;
  facilityCode: string;
  /** ConvertContext.now, as epoch milliseconds. */
  now: number;
  validate: boolean;
}

/** A result as a task module produces it (worker.ts adds the sequence number). */
export type TaskResult =
  /** The Bundle as UTF-8 JSON; its ArrayBuffer is owned by the result alone (it is transferred). */
  | (ConvertedFacts & { bundle: Uint8Array })
  | RecordFailure;

export type ThreadMessage = { kind: 'ready' } | ({ kind: 'result'; seq: number } & TaskResult);

/** What a task module exports. A result may come later (a module loaded on first use); the thread has one record at a time. */
export interface TaskModule {
  runJob(job: JobMessage): TaskResult | Promise<TaskResult>;
}

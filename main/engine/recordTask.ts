// The conversion thread's task: one record through convertRecord, the bundle encoded to
// UTF-8 here so that the main thread only moves bytes (DESIGN §4 convert stage).
import { workerData } from 'node:worker_threads';
import type { ConvertContext, ProfilePack } from '../../connectors/formats/types.js';
import { ensureR4DefinitionsLoaded } from '../../connectors/fhir/validator.js';
import { convertRecord } from './convertRecord.js';
import type { JobMessage, TaskResult, ThreadInit } from './protocol.js';

const init = workerData as ThreadInit;
const profilePack = JSON.parse(init.profilePackJson) as ProfilePack;
// Seconds of one-time setup: done while the thread starts, before it takes any record.
if (init.loadValidator) ensureR4DefinitionsLoaded();

export function runJob(job: JobMessage): TaskResult {
  const ctx: ConvertContext = { facilityCode: job.facilityCode, now: new Date(job.now), profilePack };
  const r = convertRecord(job.format, job.raw, ctx, { validate: job.validate });
  if (!r.ok) return r;
  const { bundleJson, ...facts } = r;
  return { ...facts, bundle: ownBytes(bundleJson) };
}

/** UTF-8 bytes in a buffer of their own, safe to transfer (Buffer.from shares a pooled slab for small strings). */
function ownBytes(text: string): Uint8Array {
  const b = Buffer.from(text, 'utf8');
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? b : new Uint8Array(b);
}

// The conversion thread's task: one record converted (and validated, when asked), the bundle
// encoded to UTF-8 here so that the main thread only moves bytes (DESIGN §4 convert stage).
// The validator and the claim checks are loaded only by a thread that validates: `vhr-agent
// convert` never does, and its threads start without them.
import { workerData } from 'node:worker_threads';
import type { ConvertContext, ProfilePack } from '../../connectors/formats/types.js';
import { convertUnvalidated } from './conversion.js';
import type { JobMessage, TaskResult, ThreadInit } from './protocol.js';
import type { RecordResult } from './recordResult.js';

const init = workerData as ThreadInit;
const profilePack = JSON.parse(init.profilePackJson) as ProfilePack;

type Validating = typeof import('./convertRecord.js');
let validating: Validating | undefined;

/** The validating conversion; with the R4 definitions when asked, so no record's time limit pays for them. */
async function loadValidating(withDefinitions: boolean): Promise<Validating> {
  const m = await import('./convertRecord.js');
  if (withDefinitions) (await import('../../connectors/fhir/validator.js')).ensureR4DefinitionsLoaded();
  return m;
}

// Seconds of one-time setup: done while the thread starts, before it takes any record.
if (init.loadValidator) validating = await loadValidating(true);

export function runJob(job: JobMessage): TaskResult | Promise<TaskResult> {
  // A record to validate on a thread started without the validator: load it once, then go on.
  if (job.validate && !validating) {
    return loadValidating(false).then((m) => {
      validating = m;
      return runJob(job);
    });
  }
  const ctx: ConvertContext = { facilityCode: job.facilityCode, now: new Date(job.now), profilePack };
  const r: RecordResult = job.validate ? validating!.convertRecord(job.format, job.raw, ctx, { validate: true }) : convertUnvalidated(job.format, job.raw, ctx);
  if (!r.ok) return r;
  const { bundleJson, ...facts } = r;
  return { ...facts, bundle: ownBytes(bundleJson) };
}

/**
 * Scratch space the bundle text is encoded into, then copied out at its exact length: about a
 * fifth quicker than Buffer.from, which measures the text first. It grows to the largest
 * ordinary bundle this thread has seen and stays; a huge bundle is encoded on its own, so that
 * one giant record does not pin its size in every thread.
 */
const SCRATCH_MAX = 32 * 1024 * 1024;
let scratch = new Uint8Array(0);
const utf8 = new TextEncoder();

/** UTF-8 bytes of `text` in a buffer of their own, safe to transfer. */
function ownBytes(text: string): Uint8Array {
  // Three bytes per UTF-16 unit is the most UTF-8 can need (a surrogate pair: 4 bytes for 2 units).
  const most = text.length * 3;
  if (most > SCRATCH_MAX) return utf8.encode(text);
  if (scratch.length < most) scratch = new Uint8Array(Math.max(most, 64 * 1024));
  const { written } = utf8.encodeInto(text, scratch);
  return scratch.slice(0, written);
}

// What the fuzz tests share: the seed inputs (real samples and generated envelopes), the
// conversion context, a memory watcher and the check that a stored record ended visibly.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Store } from '../../main/store/store.js';
import { sha256 } from '../../main/store/intake.js';
import { readDb } from '../support/dbOracle.js';
import { tempDir } from '../support/tempDir.js';
import { MessageState } from '../../main/store/states.js';
import { ConvertErrorCode } from '../../main/pipeline/convertWorker.js';
import { EnvelopeError, hosoToXml, splitEnvelope, type EnvelopeHeader } from '../../connectors/formats/xml130/envelope/envelope.js';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext } from '../../connectors/formats/types.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import type { Rng } from './mutate.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface ClaimSeed {
  name: string;
  bytes: Buffer;
  /** HOSO in the unmutated envelope. */
  records: number;
  /**
   * How often it is picked, relative to the others. The two inpatient samples convert to
   * 50–130 resources that take ~120 ms each to validate: picked less, so the suite stays fast.
   */
  weight: number;
}

/** The real exports, small generated envelopes (several tables each) and tiny XML1-only ones. */
export function claimSeeds(): ClaimSeed[] {
  const dir = join(FIXTURES, 'xml130');
  const real = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => ({ name: f, bytes: readFileSync(join(dir, f)), records: 1, weight: f.startsWith('inpatient') ? 1 : 4 }));
  const generated = [1, 2, 3, 4].map((seed) => ({
    name: `generated-${seed}`,
    bytes: Buffer.from(generateEnvelope({ seed, records: 1 + (seed % 3), tables: ['XML1', 'XML2', 'XML3', 'XML4'] }), 'utf8'),
    records: 1 + (seed % 3),
    weight: 4,
  }));
  const tiny = [{ name: 'tiny-3', bytes: Buffer.from(envelopeOf(manyClaims(3, 'FZ')), 'utf8'), records: 3, weight: 8 }];
  return [...real, ...generated, ...tiny];
}

/** A seed chosen by weight. */
export function pickWeighted<T extends { weight: number }>(items: readonly T[], rng: Rng): T {
  let r = rng.next() * items.reduce((a, b) => a + b.weight, 0);
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1]!;
}

/** Every message of every HL7v2 sample file. */
export function hl7Seeds(): Buffer[] {
  const dir = join(FIXTURES, 'hl7v2');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hl7'))
    .flatMap((f) => splitHl7File(readFileSync(join(dir, f))));
}

/** MSH-10 replaced, so that each fuzz input is a new message rather than a re-send of a sample. */
export function withControlId(message: Buffer, controlId: string): Buffer {
  const text = message.toString('latin1');
  const end = text.search(/[\r\n]/);
  const msh = (end === -1 ? text : text.slice(0, end)).split('|');
  if (msh.length > 9) msh[9] = controlId;
  return Buffer.from(msh.join('|') + (end === -1 ? '' : text.slice(end)), 'latin1');
}

export const fuzzContext = (): ConvertContext => ({ facilityCode: '94170', now: new Date('2026-03-01T00:00:00Z'), profilePack: defaultProfilePack() });

async function* once(bytes: Buffer) {
  yield bytes;
}

/**
 * Complete HOSO the streaming reader yields from these bytes before any error, and how many of
 * them differ (intake stores identical bytes from one source once: a re-sent record, DESIGN §4.3).
 */
export async function completeHoso(bytes: Buffer): Promise<{ complete: number; distinct: number; hashes: Set<string> }> {
  const seen = new Set<string>();
  let complete = 0;
  let header: EnvelopeHeader = {};
  try {
    for await (const ev of splitEnvelope(once(bytes))) {
      if (ev.kind === 'header') header = ev.header;
      else {
        complete++;
        seen.add(sha256(hosoToXml(ev.hoso, header)));
      }
    }
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
  }
  return { complete, distinct: seen.size, hashes: seen };
}

/** Samples RSS and heap; `growthMiB` is the peak above the first sample. */
export class MemoryWatch {
  private readonly baseRss = process.memoryUsage().rss;
  peakRss = this.baseRss;
  peakHeap = process.memoryUsage().heapUsed;
  sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }
  get growthMiB(): number {
    return Math.round((this.peakRss - this.baseRss) / 2 ** 20);
  }
  get peakRssMiB(): number {
    return Math.round(this.peakRss / 2 ** 20);
  }
}

export interface StoredOutcome {
  states: Record<string, number>;
  codes: Record<string, number>;
  /** Rows in neither final state, or invalid without a code and message. */
  notVisible: number;
  /** Records whose converter threw (the worker keeps them as CONVERTER_FAILED). */
  converterCrashes: number;
}

/** Where every stored record ended: converted, or invalid with a code and a message. */
export function storedOutcome(store: Store): StoredOutcome {
  const rows = readDb(store.path, (db) => db.prepare('SELECT state, error_code, error_message FROM messages').all() as { state: string; error_code: string | null; error_message: string | null }[]);
  const out: StoredOutcome = { states: {}, codes: {}, notVisible: 0, converterCrashes: 0 };
  for (const r of rows) {
    out.states[r.state] = (out.states[r.state] ?? 0) + 1;
    if (r.error_code) out.codes[r.error_code] = (out.codes[r.error_code] ?? 0) + 1;
    if (r.error_code === ConvertErrorCode.converterCrashed) out.converterCrashes++;
    const visible = r.state === MessageState.converted || (r.state === MessageState.invalid && !!r.error_code && !!r.error_message);
    if (!visible) out.notVisible++;
  }
  return out;
}

/**
 * A temp-file store for one fuzz file, opened before its tests and removed after. Durability is
 * proven elsewhere (test/e2e/crash*.test.ts); here fsync would only slow the run.
 */
export function useFuzzStore(prefix: string): { readonly store: Store; readonly dir: string } {
  const holder = {} as { store: Store; dir: string; cleanup: () => void };
  beforeAll(() => {
    const tmp = tempDir(prefix);
    holder.dir = tmp.path;
    holder.cleanup = tmp.cleanup;
    holder.store = Store.open(join(tmp.path, 'fuzz.db'), undefined, { fsync: false });
  });
  afterAll(() => {
    holder.store.close();
    holder.cleanup();
  });
  return holder;
}

// What the fuzz tests share: the seed inputs (real samples and generated envelopes), the
// oracles that say what must survive a mutation (worked out from how the input was built, never
// with the agent's own readers), the conversion context, a memory watcher and the check that a
// stored record ended visibly.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Store } from '../../main/store/store.js';
import { sha256 } from '../../main/store/intake.js';
import { readDb } from '../support/dbOracle.js';
import { tempDir } from '../support/tempDir.js';
import { MessageState } from '../../main/store/states.js';
import { ConvertErrorCode } from '../../main/pipeline/convertWorker.js';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext } from '../../connectors/formats/types.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { readSharedSample, sharedSampleNames } from '../support/sharedSamples.js';
import type { Rng } from './mutate.js';

/** The real exports used as claim seeds: one HOSO each (../shared/samples/README.md). */
const REAL_CLAIM_SAMPLES = ['inpatient-bom-cdata-xml5.xml', 'inpatient-delivery.xml', 'outpatient-visit.xml'];

export interface ClaimSeed {
  name: string;
  bytes: Buffer;
  /** HOSO in the unmutated envelope, as the seed was built (not as any reader counts them). */
  records: number;
  /** Byte ranges of those HOSO in `bytes`, found by `hosoBlockRanges`. */
  blocks: ByteRange[];
  /**
   * How often it is picked, relative to the others. The two inpatient samples convert to
   * 50–130 resources that take ~120 ms each to validate: picked less, so the suite stays fast.
   */
  weight: number;
}

/** The real exports, small generated envelopes (several tables each) and tiny XML1-only ones. */
export function claimSeeds(): ClaimSeed[] {
  const seed = (name: string, bytes: Buffer, records: number, weight: number): ClaimSeed => ({ name, bytes, records, weight, blocks: hosoBlockRanges(bytes) });
  const real = REAL_CLAIM_SAMPLES.map((f) => seed(f, readSharedSample('xml130', f), 1, f.startsWith('inpatient') ? 1 : 4));
  const generated = [1, 2, 3, 4].map((n) =>
    seed(`generated-${n}`, Buffer.from(generateEnvelope({ seed: n, records: 1 + (n % 3), tables: ['XML1', 'XML2', 'XML3', 'XML4'] }), 'utf8'), 1 + (n % 3), 4),
  );
  const tiny = [seed('tiny-3', Buffer.from(envelopeOf(manyClaims(3, 'FZ')), 'utf8'), 3, 8)];
  return [...real, ...generated, ...tiny];
}

/**
 * A seed whose records appear in no other seed of this number: generated records numbered from
 * `n`, or tiny ones with MA_LK prefixed by `n`. For runs where many files share one source,
 * where a record repeated in two files is rightly stored once (DESIGN §4.3) and would blur the
 * count per file.
 */
export function uniqueClaimSeed(n: number, rng: Rng): ClaimSeed {
  const records = 1 + rng.int(3);
  const bytes = rng.chance(0.6)
    ? Buffer.from(generateEnvelope({ seed: 7, firstRecord: n * 3, records, tables: ['XML1', 'XML2', 'XML3', 'XML4'] }), 'utf8')
    : Buffer.from(envelopeOf(manyClaims(records, `E${n}X`)), 'utf8');
  return { name: `unique-${n}`, bytes, records, weight: 1, blocks: hosoBlockRanges(bytes) };
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where the HOSO blocks of a well-formed envelope lie: a minimal reader written for the tests
 * (a pattern over the bytes read as latin1, so that offsets are byte offsets), independent of
 * the agent's streaming reader. Only used on inputs whose envelope is known to be intact.
 */
export function hosoBlockRanges(bytes: Buffer): ByteRange[] {
  const text = bytes.toString('latin1');
  return [...text.matchAll(/<HOSO(?:\s[^>]*)?>[\s\S]*?<\/HOSO>/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Length of the longest common prefix of two byte strings. */
export function commonPrefixLength(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * How many distinct records of the seed must be stored from a mutated copy of it, worked out
 * from how the input was made:
 * - a HOSO that lies whole in the bytes the mutation left untouched at the head of the file was
 *   complete before any damage: it must be kept (complete records before the damage are kept,
 *   DESIGN §4.3);
 * - when every mutation kept the envelope (damage inside records only), every seed HOSO still
 *   present byte for byte must be kept, and the records that were damaged are at least one more
 *   record (they differ from every untouched one). Two inputs may be damaged the same way, so
 *   `damagedCount: false` leaves them out where many inputs share one source.
 * The seed's records are distinct, so records kept are distinct rows.
 */
export function recordsThatMustSurvive(seed: ClaimSeed, mutated: Buffer, keepsEnvelope: boolean, damagedCount = true): number {
  const prefix = commonPrefixLength(seed.bytes, mutated);
  const whole = seed.blocks.filter((b) => b.end <= prefix).length;
  if (!keepsEnvelope) return whole;
  const text = mutated.toString('latin1');
  const seedText = seed.bytes.toString('latin1');
  const untouched = seed.blocks.filter((b) => text.includes(seedText.slice(b.start, b.end))).length;
  return Math.max(whole, untouched + (damagedCount && untouched < seed.blocks.length ? 1 : 0));
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
  return sharedSampleNames('hl7v2').flatMap((f) => splitHl7File(readSharedSample('hl7v2', f)));
}

/** MSH-10 replaced, so that each fuzz input is a new message rather than a re-send of a sample. */
export function withControlId(message: Buffer, controlId: string): Buffer {
  const text = message.toString('latin1');
  const end = text.search(/[\r\n]/);
  const msh = (end === -1 ? text : text.slice(0, end)).split('|');
  if (msh.length > 9) msh[9] = controlId;
  return Buffer.from(msh.join('|') + (end === -1 ? '' : text.slice(end)), 'latin1');
}

/**
 * A mutated message given its own MSH-10 after the damage, so that every fuzz input is a new
 * message by construction (a repeated control id is a re-send, DESIGN §4.3, and would only be
 * acknowledged again). Returns undefined when the damage left no MSH header that can carry a
 * control id: a first segment "MSH" + a punctuation field separator, whose component separator
 * (first character of MSH-2) is not a letter or digit of the id.
 */
export function withOwnControlId(message: Buffer, controlId: string): Buffer | undefined {
  const text = message.toString('latin1');
  const m = /\r\n|\n|\r/.exec(text);
  const first = m ? text.slice(0, m.index) : text;
  const sep = first[3];
  if (!first.startsWith('MSH') || !sep || !/[!-/:-@[-`{-~]/.test(sep)) return undefined;
  const fields = first.split(sep);
  const component = fields[1]?.[0];
  if (component !== undefined && /[A-Za-z0-9]/.test(component)) return undefined;
  while (fields.length < 10) fields.push('');
  fields[9] = controlId;
  return Buffer.from(fields.join(sep) + (m ? text.slice(m.index) : ''), 'latin1');
}

/** Content hash for telling inputs apart in a test (not the store's hash). */
export const inputHash = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export const fuzzContext = (): ConvertContext => ({ facilityCode: '94170', now: new Date('2026-03-01T00:00:00Z'), profilePack: defaultProfilePack() });

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

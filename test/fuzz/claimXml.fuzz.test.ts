// Hostile claim XML, in process: thousands of seeded mutations of the real samples and of
// generated envelopes go through the real intake (claimFileIntake → splitEnvelope →
// claimRecordKey → a temp-file Store) and the real convert worker (convertClaimRecord →
// validateR4). For every input: no exception escapes, and it ends visibly — a file refused
// with an ENVELOPE_* code and a message, and each record stored as converted or as invalid
// with its code and message. No complete record is lost, and memory stays bounded.
// Oracle for "lost": how many records must survive is worked out from how each input was made
// (recordsThatMustSurvive: seed HOSO whole before the first changed byte, or untouched when the
// damage stayed inside records), never from the agent's own envelope reader; the rows are
// counted in the messages table for the file.
import { describe, expect, it, vi } from 'vitest';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../main/log.js';
import { ConvertWorker } from '../../main/pipeline/convertWorker.js';
import { intakeClaimFile } from '../../connectors/sources/folder/claimFileIntake.js';
import { Rng, mutate, XML_MUTATORS } from './mutate.js';
import { claimSeeds, pickWeighted, fuzzContext, MemoryWatch, recordsThatMustSurvive, storedOutcome, useFuzzStore } from './support.js';
import { readDb } from '../support/dbOracle.js';

// The real validator, remembered by bundle content: it is pure and slow (~20 ms a bundle),
// and many mutated inputs convert to a bundle already seen.
vi.mock('../../connectors/fhir/validator.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../connectors/fhir/validator.js')>();
  const { memoByContent } = await import('./memo.js');
  return { ...real, validateR4: memoByContent(real.validateR4) };
});

const INPUTS = 3000;
/** Records converted between intake rounds: keeps the received backlog (and memory) small. */
const CONVERT_EVERY = 250;

const fuzz = useFuzzStore('vhr-fuzz-xml-');

describe('claim-XML fuzz', () => {
  it(`${INPUTS} mutated envelopes: no crash, every input visible, no record lost, memory bounded`, { timeout: 600_000 }, async () => {
    const seeds = claimSeeds();
    // The seeds are what the oracle starts from: each HOSO found where it was put, all distinct.
    for (const seed of seeds) {
      expect(seed.blocks.length, seed.name).toBe(seed.records);
      const text = seed.bytes.toString('latin1');
      expect(new Set(seed.blocks.map((b) => text.slice(b.start, b.end))).size, seed.name).toBe(seed.records);
    }
    const rng = new Rng(0x130);
    const worker = new ConvertWorker({ store: fuzz.store, logger: createLogger(), context: fuzzContext, destinations: () => ['province'], batchSize: 100 });
    const convertAll = async () => {
      for (let after = 0; ; ) {
        const r = await worker.convertBatch(after);
        if (r.count === 0) break;
        after = r.lastId;
      }
    };
    // Warm-up: the R4 definitions the validator loads once (~150 MB) are not growth.
    for (const seed of seeds) {
      const path = join(fuzz.dir, `warm-${seed.name}`);
      writeFileSync(path, seed.bytes);
      await intakeClaimFile({ store: fuzz.store, sourceId: 'warm-up', path });
    }
    await convertAll();
    const memory = new MemoryWatch();
    const crashes: string[] = [];
    const lost: string[] = [];
    const fileCodes: Record<string, number> = {};
    let recordsExpected = 0;

    for (let i = 0; i < INPUTS; i++) {
      const seed = pickWeighted(seeds, rng);
      const { bytes, how, keepsEnvelope } = mutate(seed.bytes, rng, XML_MUTATORS);
      const label = `#${i} ${seed.name} ${how}`;
      const path = join(fuzz.dir, `in-${i}.xml`);
      writeFileSync(path, bytes);
      const expected = recordsThatMustSurvive(seed, bytes, keepsEnvelope);
      recordsExpected += expected;
      try {
        const r = await intakeClaimFile({ store: fuzz.store, sourceId: `fuzz-${i}`, path });
        if (r.outcome === 'failed') {
          expect(r.error?.code, label).toMatch(/^ENVELOPE_[A-Z_]+$/);
          expect(r.error?.message.length, label).toBeGreaterThan(10);
          fileCodes[r.error!.code] = (fileCodes[r.error!.code] ?? 0) + 1;
        } else {
          expect(r.outcome, label).toBe('done');
        }
        const stored = readDb(fuzz.store.path, (db) => db.prepare('SELECT count(*) FROM messages WHERE file_id = ?').pluck().get(r.fileId) as number);
        if (stored < expected) lost.push(`${label}: ${stored} of ${expected} stored`);
        if (keepsEnvelope) expect(r.outcome, label).toBe('done');
      } catch (err) {
        crashes.push(`${label}: ${(err as Error).stack}`);
      }
      unlinkSync(path);
      if (i % CONVERT_EVERY === CONVERT_EVERY - 1) {
        await convertAll();
        memory.sample();
      }
    }
    await convertAll();
    memory.sample();

    const outcome = storedOutcome(fuzz.store);
    const stored = Object.values(outcome.states).reduce((a, b) => a + b, 0);
    console.log(
      `claim-XML fuzz: inputs tried ${INPUTS}, crashes ${crashes.length + outcome.converterCrashes}, records lost ${lost.length}, ` +
        `records expected ${recordsExpected}, stored ${stored} (${JSON.stringify(outcome.states)}), files refused ${JSON.stringify(fileCodes)}, ` +
        `record codes ${JSON.stringify(outcome.codes)}, peak RSS ${memory.peakRssMiB} MiB (+${memory.growthMiB} MiB)`,
    );
    expect(crashes).toEqual([]);
    expect(outcome.converterCrashes).toBe(0);
    expect(lost).toEqual([]);
    expect(outcome.notVisible).toBe(0);
    expect(stored).toBeGreaterThanOrEqual(recordsExpected);
    // Both outcomes are exercised: the suite is not just refusing everything.
    expect(outcome.states.converted).toBeGreaterThan(INPUTS / 5);
    expect(outcome.states.invalid).toBeGreaterThan(50);
    expect(memory.growthMiB).toBeLessThan(300);
  });
});

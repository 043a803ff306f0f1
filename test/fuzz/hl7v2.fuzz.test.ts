// Hostile HL7v2, in process: seeded mutations of every sample message go through the real
// intake (Hl7Intake → a temp-file Store → the ACK) and the real convert worker
// (convertHl7v2Message → validateR4); MLLP byte streams with junk, split frames, stray start
// blocks and oversize frames go through the real decoder. For every input: no exception
// escapes, the sender gets an ACK (AE/AR always with an ERR segment), every message is stored
// and ends converted or invalid with a code and a message, and memory stays bounded.
import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { createLogger } from '../../main/log.js';
import { ConvertWorker } from '../../main/pipeline/convertWorker.js';
import { Hl7Intake, IntakeOutcome } from '../../connectors/sources/mllp/intake.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';
import { encodeFrame, FS, MllpDecoder, VT, type FrameEvent } from '../../connectors/sources/mllp/framing.js';
import { BYTE_MUTATORS, HL7_MUTATORS, mutate, Rng } from './mutate.js';
import { fuzzContext, hl7Seeds, inputHash, MemoryWatch, storedOutcome, useFuzzStore, withControlId, withOwnControlId } from './support.js';
import { readDb } from '../support/dbOracle.js';

// The real validator, remembered by bundle content (see claimXml.fuzz.test.ts).
vi.mock('../../connectors/fhir/validator.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../connectors/fhir/validator.js')>();
  const { memoByContent } = await import('./memo.js');
  return { ...real, validateR4: memoByContent(real.validateR4) };
});

const MESSAGES = 6000;
const STREAMS = 1000;
const CONVERT_EVERY = 500;

const fuzz = useFuzzStore('vhr-fuzz-hl7-');

describe('HL7v2 fuzz', () => {
  it(`${MESSAGES} mutated messages: an ACK for each, all stored, each converted or invalid with a reason`, { timeout: 600_000 }, async () => {
    const seeds = hl7Seeds();
    const rng = new Rng(0x2575);
    const intake = new Hl7Intake({ sourceId: 'fuzz', store: fuzz.store });
    const worker = new ConvertWorker({ store: fuzz.store, logger: createLogger(), context: fuzzContext, destinations: () => ['province'], batchSize: 100 });
    const convertAll = async () => {
      for (let after = 0; ; ) {
        const r = await worker.convertBatch(after);
        if (r.count === 0) break;
        after = r.lastId;
      }
    };
    for (const [i, seed] of seeds.entries()) await intake.receive(withControlId(seed, `WARM${i}`));
    await convertAll();
    const rowsBefore = readDb(fuzz.store.path, (db) => db.prepare('SELECT count(*) FROM messages').pluck().get() as number);
    const memory = new MemoryWatch();
    const crashes: string[] = [];
    const lost: string[] = [];
    const acks: Record<string, number> = {};
    const sent = new Set<string>();
    const messageIds = new Set<number>();
    /** Inputs whose damage left no header to carry a control id, and how many of them were answered as re-sends. */
    let headerless = 0;
    let headerlessDuplicates = 0;

    for (let i = 0; i < MESSAGES; i++) {
      // Each input is a new message by construction: its own MSH-10 written after the damage
      // where a header is left to carry it, and bytes never sent before (redrawn otherwise;
      // the seeded generator makes this the same on every run).
      let input: { bytes: Buffer; how: string; own: boolean } | undefined;
      while (!input) {
        const m = mutate(withControlId(rng.pick(seeds), `FZ${i}`), rng, HL7_MUTATORS);
        const own = withOwnControlId(m.bytes, `FZ${i}`);
        const bytes = own ?? m.bytes;
        if (!sent.has(inputHash(bytes))) input = { bytes, how: m.how, own: own !== undefined };
      }
      const { bytes, how, own } = input;
      sent.add(inputHash(bytes));
      if (!own) headerless++;
      const label = `#${i} ${how}`;
      try {
        const r = await intake.receive(bytes);
        const stored = r.outcome === IntakeOutcome.stored || r.outcome === IntakeOutcome.storedInvalid;
        // Without a header, whatever the lenient reader takes for MSH-10 may repeat: a re-send
        // answer is counted, not taken as stored. With its own control id, it is lost.
        if (!own && r.outcome === IntakeOutcome.duplicate) headerlessDuplicates++;
        else if (!stored || !r.messageId || messageIds.has(r.messageId)) lost.push(`${label}: ${r.outcome} (message ${r.messageId})`);
        else {
          messageIds.add(r.messageId);
          const raw = fuzz.store.messageDetail(r.messageId)?.raw;
          if (!raw || !Buffer.from(raw).equals(bytes)) lost.push(`${label}: stored bytes differ from the bytes sent`);
        }
        const ack = readAck(r.ack ?? '');
        acks[ack.code] = (acks[ack.code] ?? 0) + 1;
        if (r.outcome === IntakeOutcome.stored) expect(ack.code, label).toBe('AA');
        else if (r.outcome === IntakeOutcome.storedInvalid) expect(ack.code, label).toBe('AE');
        expect(ack.code === 'AA' || (ack.code === 'AE' && ack.hasErr), `${label}: ${JSON.stringify(ack)}`).toBe(true);
      } catch (err) {
        crashes.push(`${label}: ${(err as Error).stack}`);
      }
      if (i % CONVERT_EVERY === CONVERT_EVERY - 1) {
        await convertAll();
        memory.sample();
      }
    }
    await convertAll();
    memory.sample();

    const outcome = storedOutcome(fuzz.store);
    const rowsAdded = (readDb(fuzz.store.path, (db) => db.prepare('SELECT count(*) FROM messages').pluck().get() as number)) - rowsBefore;
    console.log(
      `HL7v2 fuzz: inputs tried ${MESSAGES} (${headerless} without a header to carry a control id, ${headerlessDuplicates} of them answered as re-sends), crashes ${crashes.length + outcome.converterCrashes}, ` +
        `records lost ${lost.length}, rows added ${rowsAdded} (${JSON.stringify(outcome.states)}), ACKs ${JSON.stringify(acks)}, codes ${JSON.stringify(outcome.codes)}, ` +
        `peak RSS ${memory.peakRssMiB} MiB (+${memory.growthMiB} MiB)`,
    );
    expect(crashes).toEqual([]);
    expect(outcome.converterCrashes).toBe(0);
    expect(lost).toEqual([]);
    expect(messageIds.size).toBe(MESSAGES - headerlessDuplicates);
    expect(rowsAdded).toBe(MESSAGES - headerlessDuplicates);
    expect(headerless).toBeGreaterThan(MESSAGES / 20); // damaged headers are still in the mix
    expect(outcome.notVisible).toBe(0);
    expect(outcome.states.converted).toBeGreaterThan(MESSAGES / 5);
    expect(outcome.states.invalid).toBeGreaterThan(MESSAGES / 5);
    expect(memory.growthMiB).toBeLessThan(300);
  });

  it(`${STREAMS} MLLP byte streams with junk, split and oversize frames: every whole frame decoded, oversize ones cut to their head`, () => {
    const seeds = hl7Seeds();
    const rng = new Rng(0x0b1c);
    const maxPayload = 16 * 1024;
    let framesExpected = 0;
    let framesDecoded = 0;
    let oversize = 0;
    const crashes: string[] = [];

    for (let s = 0; s < STREAMS; s++) {
      // What the sender meant: payloads free of framing bytes, each a frame, junk between them.
      const payloads: Buffer[] = [];
      const parts: Buffer[] = [];
      for (let n = 1 + rng.int(5); n > 0; n--) {
        if (rng.chance(0.3)) parts.push(Buffer.from(BYTE_MUTATORS[1]!.apply(Buffer.from('junk between frames\r\n'), rng).filter((b) => b !== VT && b !== FS)));
        let payload = Buffer.from(mutate(rng.pick(seeds), rng, HL7_MUTATORS).bytes.filter((b) => b !== VT && b !== FS));
        if (rng.chance(0.05)) payload = Buffer.concat([payload, Buffer.alloc(maxPayload + rng.int(50_000), 'x')]);
        payloads.push(payload);
        parts.push(encodeFrame(payload));
      }
      // A frame abandoned by its sender (a new start block before its end block) is dropped.
      if (rng.chance(0.2)) parts.splice(rng.int(parts.length), 0, Buffer.concat([Buffer.from([VT]), Buffer.from('MSH|^~\\&|cut')]));
      // A last frame cut off by a dropped connection never completes.
      if (rng.chance(0.2)) parts.push(Buffer.from([VT]), Buffer.from('MSH|^~\\&|never ends'));
      const stream = Buffer.concat(parts);
      framesExpected += payloads.length;

      const decoder = new MllpDecoder(maxPayload);
      const events: FrameEvent[] = [];
      try {
        for (let i = 0; i < stream.length; ) {
          const size = 1 + rng.int(rng.chance(0.5) ? 16 : 8192);
          events.push(...decoder.push(stream.subarray(i, i + size)));
          i += size;
        }
      } catch (err) {
        crashes.push(`stream ${s}: ${(err as Error).stack}`);
        continue;
      }
      const decoded = events.filter((e) => e.kind !== 'junk');
      expect(decoded.length, `stream ${s}`).toBe(payloads.length);
      decoded.forEach((e, k) => {
        const sent = payloads[k]!;
        if (sent.length > maxPayload) {
          expect(e.kind).toBe('oversize');
          if (e.kind === 'oversize') expect([e.size, e.head.length <= 4096]).toEqual([sent.length, true]);
          oversize++;
        } else {
          expect(e.kind === 'frame' && e.payload.equals(sent), `stream ${s} frame ${k}`).toBe(true);
        }
      });
      framesDecoded += decoded.length;
    }
    console.log(`MLLP framing fuzz: inputs tried ${STREAMS} streams (${framesExpected} frames, ${oversize} oversize), crashes ${crashes.length}, frames lost ${framesExpected - framesDecoded}`);
    expect(crashes).toEqual([]);
    expect(framesDecoded).toBe(framesExpected);
  });
});

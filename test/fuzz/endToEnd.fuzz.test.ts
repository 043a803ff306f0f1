// A sample of the fuzz inputs end to end, through the real transports: mutated claim-XML and
// HL7v2 files dropped into a watched folder (FolderSource), and mutated HL7v2 messages sent
// over a real MLLP socket. Each file ends in processed/ or in error/ beside its .error.txt;
// each message gets an ACK (AE with an ERR segment when it cannot be parsed); every distinct
// complete record is stored and ends converted or invalid with a reason.
// Oracles: records that must survive a claim file come from how it was made
// (recordsThatMustSurvive, records unique to each file); MLLP inputs carry their own MSH-10 by construction. Both are checked
// against rows read from the database through a separate read-only connection, payloads
// unsealed with the test's data key (test/support/storedRows.ts), not against the agent's counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Store } from '../../main/store/store.js';
import { PayloadCipher } from '../../main/store/payloadCipher.js';
import { createLogger } from '../../main/log.js';
import { ConvertWorker } from '../../main/pipeline/convertWorker.js';
import { FolderSource } from '../../connectors/sources/folder/folderSource.js';
import { MllpListener } from '../../connectors/sources/mllp/listener.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';
import { encodeFrame, FS, MllpDecoder, VT } from '../../connectors/sources/mllp/framing.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { groupRows, readStoredMessages } from '../support/storedRows.js';
import { HL7_MUTATORS, mutate, Rng, XML_MUTATORS } from './mutate.js';
import { fuzzContext, hl7Seeds, inputHash, recordsThatMustSurvive, uniqueClaimSeed, storedOutcome, withControlId, withOwnControlId } from './support.js';

const CLAIM_FILES = 150;
const HL7_FILES = 50;
const MLLP_MESSAGES = 150;

/** Payloads are sealed, as in a real install; the test opens them with its own copy of the key. */
const DATA_KEY = randomBytes(32);

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let dbPath: string;
beforeAll(() => {
  tmp = tempDir('vhr-fuzz-e2e-');
  dbPath = join(tmp.path, 'data', 'agent.db');
  store = Store.open(dbPath, new PayloadCipher([{ id: 1, key: DATA_KEY }], 1, true));
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

const convertAll = async () => {
  const worker = new ConvertWorker({ store, logger: createLogger(), context: fuzzContext, destinations: () => ['province'], batchSize: 100 });
  for (let after = 0; ; ) {
    const r = await worker.convertBatch(after);
    if (r.count === 0) break;
    after = r.lastId;
  }
};

describe('fuzz inputs end to end', () => {
  it(`${CLAIM_FILES + HL7_FILES} mutated files through a watched folder: each processed or in error/ with its reason`, { timeout: 120_000 }, async () => {
    const inbox = join(tmp.path, 'inbox');
    const config = { id: 'his', type: 'folder' as const, path: inbox, format: 'auto' as const, quietMs: 20, processedDir: join(inbox, 'processed'), errorDir: join(inbox, 'error'), commitEvery: 50 };
    const source = new FolderSource({ config, store, logger: createLogger() });
    await source.start();
    const rng = new Rng(0xf01d);
    const hl7 = hl7Seeds();
    /** Distinct records that must be stored from each claim file, by construction. */
    const mustSurvive = new Map<string, number>();
    const names: string[] = [];
    try {
      for (let i = 0; i < CLAIM_FILES + HL7_FILES; i++) {
        const isClaim = i < CLAIM_FILES;
        const name = `fz-${String(i).padStart(3, '0')}.${isClaim ? 'xml' : 'hl7'}`;
        let bytes: Buffer;
        if (isClaim) {
          // Records unique to this file, so that rows per file are the count (see uniqueClaimSeed).
          const seed = uniqueClaimSeed(i, rng);
          expect(seed.blocks.length).toBe(seed.records);
          const m = mutate(seed.bytes, rng, XML_MUTATORS);
          bytes = m.bytes;
          mustSurvive.set(name, recordsThatMustSurvive(seed, bytes, m.keepsEnvelope, false));
        } else {
          bytes = mutate(withControlId(rng.pick(hl7), `E2E${i}`), rng, HL7_MUTATORS).bytes;
        }
        names.push(name);
        writeFileSync(join(inbox, `${name}.tmp`), bytes);
        renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
      }
      const pending = () => readdirSync(inbox).filter((f) => f.startsWith('fz-'));
      await waitFor(() => pending().length === 0, { what: 'every file taken in', timeoutMs: 90_000 });
      await source.idle();
      expect(source.status().state).toBe('watching');
    } finally {
      await source.stop();
    }
    const processed = new Set(readdirSync(config.processedDir));
    const errors = new Set(readdirSync(config.errorDir));
    const invisible = names.filter((n) => !processed.has(n) && !(errors.has(n) && errors.has(`${n}.error.txt`)));
    // Rows per claim file, read from the database; a file is known by the name it was dropped as.
    const rowsPerFile = groupRows(
      readStoredMessages(dbPath, { sourceId: 'his', dataKey: DATA_KEY }).filter((r) => r.format === 'xml130'),
      (r) => (r.filePath ?? '').split(/[\\/]/).pop()!,
    );
    const lost = [...mustSurvive].filter(([name, n]) => (rowsPerFile.get(name)?.length ?? 0) < n).map(([name, n]) => `${name}: ${rowsPerFile.get(name)?.length ?? 0} of ${n} stored`);
    const recordsExpected = [...mustSurvive.values()].reduce((a, b) => a + b, 0);
    await convertAll();
    const outcome = storedOutcome(store);
    console.log(
      `end-to-end folder fuzz: inputs tried ${names.length} files, crashes ${outcome.converterCrashes}, records lost ${lost.length} of ${recordsExpected} that must survive, ` +
        `processed ${processed.size}, error/ ${[...errors].filter((e) => !e.endsWith('.error.txt')).length}, records ${JSON.stringify(outcome.states)}`,
    );
    expect(invisible).toEqual([]);
    expect(lost).toEqual([]);
    expect(outcome.converterCrashes).toBe(0);
    expect(outcome.notVisible).toBe(0);
    expect(existsSync(join(tmp.path, 'inbox', 'processed', 'error'))).toBe(false);
  });

  it(`${MLLP_MESSAGES} mutated messages over a real MLLP socket: an ACK for each, every one stored`, { timeout: 60_000 }, async () => {
    const listener = new MllpListener({ sourceId: 'lab', host: '127.0.0.1', port: 0, store, maxMessageBytes: 1 << 20 });
    const { port } = await listener.start();
    const acks: string[] = [];
    /** What was sent, by its control id. */
    const sent = new Map<string, Buffer>();
    const decoder = new MllpDecoder(1 << 20);
    const socket = connect({ host: '127.0.0.1', port });
    try {
      socket.on('data', (c) => {
        for (const e of decoder.push(c)) if (e.kind === 'frame') acks.push(e.payload.toString('latin1'));
      });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const rng = new Rng(0x2575e2e);
      const seeds = hl7Seeds();
      const hashes = new Set<string>();
      for (let i = 0; i < MLLP_MESSAGES; i++) {
        // Each input a new message by construction: its own MSH-10 after the damage, new bytes
        // (see the HL7v2 fuzz). Framing bytes inside a payload would make it two frames: the
        // framing fuzz covers that.
        let payload: Buffer | undefined;
        while (!payload) {
          const m = mutate(withControlId(rng.pick(seeds), `MLLP${i}`), rng, HL7_MUTATORS);
          const own = withOwnControlId(Buffer.from(m.bytes.filter((b) => b !== VT && b !== FS)), `MLLP${i}`);
          if (own && !hashes.has(inputHash(own))) payload = own;
        }
        hashes.add(inputHash(payload));
        sent.set(`MLLP${i}`, payload);
        socket.write(encodeFrame(payload));
      }
      await waitFor(() => acks.length === MLLP_MESSAGES, { what: 'every ACK', timeoutMs: 45_000 });
    } finally {
      socket.destroy();
      await listener.stop();
    }
    const read = acks.map(readAck);
    const bad = read.filter((a) => !(a.code === 'AA' || (a.code === 'AE' && a.hasErr)));
    // Read from the database: each payload sent is held by exactly one row, byte for byte, and
    // that row carries the control id it was sent with (or none, when a damaged MSH-18 makes
    // the header unreadable); no control id has two rows, and no row holds anything unsent.
    const rows = readStoredMessages(dbPath, { sourceId: 'lab', dataKey: DATA_KEY });
    const byBytes = groupRows(rows, (r) => (r.raw ? inputHash(r.raw) : null));
    const byControlId = groupRows(rows, (r) => r.naturalKey);
    const wrong = [...sent].flatMap(([id, bytes]) => {
      const found = byBytes.get(inputHash(bytes)) ?? [];
      if (found.length !== 1 || !found[0]!.raw?.equals(bytes)) return [`${id}: ${found.length} rows hold the bytes sent`];
      const key = found[0]!.naturalKey;
      if (key !== null && key !== id) return [`${id}: stored under control id ${key}`];
      if ((byControlId.get(id)?.length ?? 0) > 1) return [`${id}: ${byControlId.get(id)!.length} rows`];
      return [];
    });
    const extra = rows.length - sent.size;
    const withoutControlId = byControlId.get(null)?.length ?? 0;
    await convertAll();
    const outcome = storedOutcome(store);
    console.log(
      `end-to-end MLLP fuzz: inputs tried ${MLLP_MESSAGES}, crashes ${outcome.converterCrashes}, records lost or wrong ${wrong.length}, rows ${rows.length} (${withoutControlId} with an unreadable header), ` +
        `ACKs ${JSON.stringify(read.reduce<Record<string, number>>((n, a) => ({ ...n, [a.code]: (n[a.code] ?? 0) + 1 }), {}))}`,
    );
    expect(bad).toEqual([]);
    expect(wrong).toEqual([]);
    expect(extra).toBe(0);
    expect(outcome.converterCrashes).toBe(0);
    expect(outcome.notVisible).toBe(0);
  });
});

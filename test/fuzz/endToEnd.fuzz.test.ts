// A sample of the fuzz inputs end to end, through the real transports: mutated claim-XML and
// HL7v2 files dropped into a watched folder (FolderSource), and mutated HL7v2 messages sent
// over a real MLLP socket. Each file ends in processed/ or in error/ beside its .error.txt;
// each message gets an ACK (AE with an ERR segment when it cannot be parsed); every distinct
// complete record is stored and ends converted or invalid with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Store } from '../../main/store/store.js';
import { readDb } from '../support/dbOracle.js';
import { createLogger } from '../../main/log.js';
import { ConvertWorker } from '../../main/pipeline/convertWorker.js';
import { FolderSource } from '../../connectors/sources/folder/folderSource.js';
import { MllpListener } from '../../connectors/sources/mllp/listener.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';
import { encodeFrame, FS, MllpDecoder, VT } from '../../connectors/sources/mllp/framing.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { HL7_MUTATORS, mutate, Rng, XML_MUTATORS } from './mutate.js';
import { claimSeeds, completeHoso, fuzzContext, hl7Seeds, pickWeighted, storedOutcome, withControlId } from './support.js';

const CLAIM_FILES = 150;
const HL7_FILES = 50;
const MLLP_MESSAGES = 150;

let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeAll(() => {
  tmp = tempDir('vhr-fuzz-e2e-');
  store = Store.open(join(tmp.path, 'data', 'agent.db'));
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

const convertAll = () => {
  const worker = new ConvertWorker({ store, logger: createLogger(), context: fuzzContext, destinations: () => ['province'], batchSize: 100 });
  for (let after = 0; ; ) {
    const r = worker.convertBatch(after);
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
    const claimSeedList = claimSeeds();
    const hl7 = hl7Seeds();
    const expectedHoso = new Set<string>();
    const names: string[] = [];
    try {
      for (let i = 0; i < CLAIM_FILES + HL7_FILES; i++) {
        const isClaim = i < CLAIM_FILES;
        const { bytes } = isClaim ? mutate(pickWeighted(claimSeedList, rng).bytes, rng, XML_MUTATORS) : mutate(withControlId(rng.pick(hl7), `E2E${i}`), rng, HL7_MUTATORS);
        if (isClaim) for (const h of (await completeHoso(bytes)).hashes) expectedHoso.add(h);
        const name = `fz-${String(i).padStart(3, '0')}.${isClaim ? 'xml' : 'hl7'}`;
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
    const claimRows = readDb(store.path, (db) => db.prepare("SELECT content_hash FROM messages WHERE source_id = 'his' AND format = 'xml130'").pluck().all() as string[]);
    const lost = [...expectedHoso].filter((h) => !claimRows.includes(h));
    convertAll();
    const outcome = storedOutcome(store);
    console.log(
      `end-to-end folder fuzz: inputs tried ${names.length} files, crashes ${outcome.converterCrashes}, records lost ${lost.length}, ` +
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
    const decoder = new MllpDecoder(1 << 20);
    const socket = connect({ host: '127.0.0.1', port });
    try {
      socket.on('data', (c) => {
        for (const e of decoder.push(c)) if (e.kind === 'frame') acks.push(e.payload.toString('latin1'));
      });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const rng = new Rng(0x2575e2e);
      const seeds = hl7Seeds();
      for (let i = 0; i < MLLP_MESSAGES; i++) {
        // Framing bytes inside a payload would make it two frames: the framing fuzz covers that.
        const payload = Buffer.from(mutate(withControlId(rng.pick(seeds), `MLLP${i}`), rng, HL7_MUTATORS).bytes.filter((b) => b !== VT && b !== FS));
        socket.write(encodeFrame(payload));
      }
      await waitFor(() => acks.length === MLLP_MESSAGES, { what: 'every ACK', timeoutMs: 45_000 });
    } finally {
      socket.destroy();
      await listener.stop();
    }
    const read = acks.map(readAck);
    const bad = read.filter((a) => !(a.code === 'AA' || (a.code === 'AE' && a.hasErr)));
    const stats = listener.stats();
    convertAll();
    const outcome = storedOutcome(store);
    console.log(
      `end-to-end MLLP fuzz: inputs tried ${MLLP_MESSAGES}, crashes ${outcome.converterCrashes}, records lost ${MLLP_MESSAGES - stats.stored - stats.storedInvalid - stats.duplicates}, ` +
        `ACKs ${JSON.stringify(stats.acksSent)}`,
    );
    expect(bad).toEqual([]);
    expect(stats.stored + stats.storedInvalid + stats.duplicates).toBe(MLLP_MESSAGES);
    expect(stats.storeFailures).toBe(0);
    expect(outcome.converterCrashes).toBe(0);
    expect(outcome.notVisible).toBe(0);
  });
});

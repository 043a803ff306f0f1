// The MLLP listener on its own thread, as the agent runs it: ACK only after the row is in the
// database (read through a separate connection and opened with the data key here), the
// converter woken, and a thread that dies replaced on the same port while the agent goes on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import { openKeyring } from '../store/keyring.js';
import { WriterLock } from '../store/writerLock.js';
import { encodeFrame, MllpDecoder } from '../../connectors/sources/mllp/framing.js';
import { readStoredMessages } from '../../test/support/storedRows.js';
import { tempDir } from '../../test/support/tempDir.js';
import { waitFor } from '../../test/support/waitFor.js';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../paths.js';
import { MllpThreadSource, type MllpThreadSourceOptions } from './mllpThreadSource.js';

const FAULTY = pathToFileURL(join(PACKAGE_ROOT, 'test', 'fixtures', 'intake', 'faultyMllpThread.mjs'));

const message = (id: string, extra = '') =>
  [`MSH|^~\\&|LIS|BV01|VHR|SYT|20260301080000||ORU^R01^ORU_R01|${id}|P|2.5`, `PID|1||BN${id}^^^BV01^MR||NGUYỄN^VĂN AN${extra}`, 'OBR|1||LAB1|GLU^Glucose', 'OBX|1|NM|GLU^Glucose||5.4|mmol/L|||||F'].join('\r');

/** Sends one frame and resolves with the reply ('' if the connection closed first). */
function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => socket.write(encodeFrame(payload)));
    const decoder = new MllpDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'frame') continue;
        socket.destroy();
        resolve(e.payload.toString('utf8'));
      }
    });
    socket.on('close', () => resolve(''));
    socket.on('error', (err) => (err.message.includes('ECONNREFUSED') ? reject(err) : resolve('')));
  });
}

const ackCode = (ack: string) => ack.split('\r').find((s) => s.startsWith('MSA'))?.split('|')[1];

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let source: MllpThreadSource | undefined;
let keysPath: string;

beforeEach(() => {
  tmp = tempDir('vhr-mllp-thread-');
  keysPath = join(tmp.path, 'keys.json');
  store = Store.open(join(tmp.path, 'vhr-agent.db'), openKeyring({ path: keysPath }), { writerLock: lock });
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  store.close();
  tmp.cleanup();
});

const lock = new WriterLock();

function startSource(extra: Partial<MllpThreadSourceOptions> = {}) {
  source = new MllpThreadSource({
    dbPath: store.path,
    cipher: openKeyring({ path: keysPath }),
    writerLock: lock,
    listener: { sourceId: 'lab', host: '127.0.0.1', port: 0 },
    reportIntervalMs: 20,
    restartDelayMs: 10,
    ...extra,
  });
  return source;
}

const dataKey = () => Buffer.from((JSON.parse(readFileSync(keysPath, 'utf8')) as { keys: { id: number; key: string }[] }).keys[0]!.key, 'base64');

describe('the MLLP intake thread', () => {
  it('ACKs only what its own connection committed, sealed with the agent key, and wakes the converter', async () => {
    let woken = 0;
    const src = startSource({ onStored: () => woken++ });
    const { port } = await src.start();
    expect(src.status()).toMatchObject({ id: 'lab', type: 'mllp', state: 'listening', address: `127.0.0.1:${port}` });
    const acks = [];
    for (const id of ['T1', 'T2', 'T3']) acks.push(ackCode(await exchange(port, message(id))));
    expect(acks).toEqual(['AA', 'AA', 'AA']);
    const rows = readStoredMessages(store.path, { sourceId: 'lab', dataKey: dataKey() });
    expect(rows.map((r) => [r.naturalKey, r.state, r.raw?.toString('utf8')])).toEqual(['T1', 'T2', 'T3'].map((id) => [id, 'received', message(id)]));
    await waitFor(() => woken >= 1, { what: 'the converter woken' });
    // The agent's own connection sees the rows too (the store it converts from).
    expect(store.messagesToConvert(10).map((m) => m.naturalKey)).toEqual(['T1', 'T2', 'T3']);
    await waitFor(() => src.stats()?.stats.stored === 3, { what: 'counters reported' });
  });

  it('shares the writer lock: while the agent holds it, an ACK waits; once released, it comes', async () => {
    const src = startSource();
    const { port } = await src.start();
    lock.acquire();
    let released = false;
    const reply = exchange(port, message('L1')).then((ack) => ({ ack, released }));
    await waitFor(() => lock.waiting() === 1, { what: 'the thread queued on the lock' });
    released = true;
    lock.release();
    const { ack, released: afterRelease } = await reply;
    expect(ackCode(ack)).toBe('AA');
    expect(afterRelease).toBe(true);
    await waitFor(() => (src.stats()?.commits.lockWaits ?? 0) >= 1, { what: 'the wait counted' });
  });

  it('a thread that dies is replaced on the same port; the agent writes on, nothing unACKed is stored', async () => {
    const src = startSource({ threadModule: FAULTY, listener: { sourceId: 'lab', host: '127.0.0.1', port: 0, ackMode: 'enhanced' } });
    const { port } = await src.start();
    expect(ackCode(await exchange(port, message('before')))).toBe('CA');
    const firstConnections = () => src.stats()?.stats.connectionsTotal ?? 0;
    await waitFor(() => firstConnections() === 1, { what: 'the first thread counted its connection' });
    src.applicationAck(-1, { ok: true }); // the fault
    await waitFor(() => src.status().state === 'error', { what: 'the death seen' });
    expect(src.status().detail).toMatch(/stopped unexpectedly \(simulated fault in the MLLP intake thread\); starting it again/);
    await waitFor(() => src.status().state === 'listening' && firstConnections() === 0, { what: 'a new thread listening', timeoutMs: 20_000 });
    expect(src.status().address).toBe(`127.0.0.1:${port}`);
    expect(ackCode(await exchange(port, message('after')))).toBe('CA');
    expect(readStoredMessages(store.path, { sourceId: 'lab', dataKey: dataKey() }).map((r) => r.naturalKey)).toEqual(['before', 'after']);
    // The agent's connection still writes: the dead thread left no lock behind.
    store.transaction(() => store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from('<x/>'), naturalKey: null }, 1));
    expect(lock.waiting()).toBe(0);
  });
});

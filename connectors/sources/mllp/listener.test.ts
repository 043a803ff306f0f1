import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { Client, Message } from 'node-hl7-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../main/store/store.js';
import { readDb } from '../../../test/support/dbOracle.js';
import { readAck } from './ack.js';
import { encodeFrame, MllpDecoder } from './framing.js';
import { MllpListener, type MllpListenerOptions } from './listener.js';
import { readSharedSample } from '../../../test/support/sharedSamples.js';

const sample = (name: string): string => readSharedSample('hl7v2', name).toString('utf8').replace(/^\uFEFF/, '').replace(/\r?\n/g, '\r').replace(/\r+$/, '');

function adt(controlId: string, opts: { ts?: string; processingId?: string; sep?: string; charset?: string; name?: string } = {}): string {
  const sep = opts.sep ?? '\r';
  return [
    `MSH|^~\\&|HIS|BV01|VHR|SYT|${opts.ts ?? '20260301080000'}||ADT^A01^ADT_A01|${controlId}|${opts.processingId ?? 'P'}|2.5|||||VNM|${opts.charset ?? ''}`,
    'EVN|A01|20260301080000',
    `PID|1||BN${controlId}^^^BV01^MR||${opts.name ?? 'NGUYEN^VAN A'}||19800101|M`,
    `PV1|1|I|K01^101^1|||||||||||||||||VV${controlId}`,
  ].join(sep);
}

/** A plain TCP MLLP peer for what a well-behaved client cannot do: split frames, junk. */
class RawPeer {
  readonly acks: string[] = [];
  private readonly decoder = new MllpDecoder(1 << 20);
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const e of this.decoder.push(chunk)) if (e.kind === 'frame') this.acks.push(e.payload.toString('utf8'));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }
  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Waits (event-driven, with a deadline) until `cond` holds. */
  async until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  async acksCount(n: number): Promise<string[]> {
    await this.until(() => this.acks.length >= n, `${n} ACK(s)`);
    return this.acks.slice(0, n);
  }
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }
  close(): void {
    this.socket.destroy();
  }
}

/** Polls a condition until a deadline (for effects that have no event of their own). */
async function eventually(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

let dir: string;
let store: Store;
const listeners: MllpListener[] = [];

async function startListener(extra: Partial<MllpListenerOptions> = {}, s: Store = store): Promise<{ listener: MllpListener; port: number }> {
  const listener = new MllpListener({ sourceId: 'his-adt', host: '127.0.0.1', port: 0, store: s, ...extra });
  listeners.push(listener);
  const { port } = await listener.start();
  return { listener, port };
}

function countRows(s: Store, where = '1 = 1', ...args: unknown[]): number {
  return readDb(s.path, (db) => (db.prepare(`SELECT count(*) AS n FROM messages WHERE ${where}`).get(...args) as { n: number }).n);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vhr-mllp-'));
  store = Store.open(join(dir, 'agent.db'));
});

afterEach(async () => {
  for (const l of listeners.splice(0)) await l.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends messages with node-hl7-client, one at a time, waiting for each ACK (see STACK.md). */
async function sendWithHl7Client(port: number, texts: string[]): Promise<string[]> {
  const client = new Client({ host: '127.0.0.1' });
  const acks: string[] = [];
  let wake: (() => void) | undefined;
  const conn = client.createConnection({ port, waitAck: true, maxConnectionAttempts: 3 }, async (res) => {
    acks.push(res.getMessage().toString());
    wake?.();
  });
  try {
    for (const text of texts) {
      const before = acks.length;
      const got = new Promise<void>((resolve) => (wake = resolve));
      await conn.sendMessage(new Message({ text }));
      if (acks.length === before) {
        await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error('no ACK within 5 s')), 5000))]);
      }
    }
  } finally {
    await conn.close();
  }
  return acks;
}

describe('MllpListener with node-hl7-client as the sender', () => {
  it('stores a sample ADT^A01 and answers AA echoing MSH-10 after the row committed', async () => {
    const { listener, port } = await startListener();
    const text = sample('ADT-A01-01.hl7');
    const [ackText] = await sendWithHl7Client(port, [text]);
    const ack = readAck(ackText!);
    expect(ack.code).toBe('AA');
    expect(ack.controlId).toBe('MSG00001');
    const rows = store.listMessages(10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sourceId: 'his-adt', format: 'hl7v2', naturalKey: 'MSG00001', state: 'received' });
    expect(store.messageDetail(rows[0]!.id)?.raw?.toString('utf8')).toBe(text);
    expect(listener.stats()).toMatchObject({ stored: 1, acksSent: { AA: 1 } });
  });

  it('50 concurrent senders: every message stored exactly once, every ACK correlates', async () => {
    const { listener, port } = await startListener();
    const perSender = 6;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, s) =>
        sendWithHl7Client(
          port,
          Array.from({ length: perSender }, (_, k) => adt(`C${s}-${k}`)),
        ),
      ),
    );
    for (const [s, acks] of results.entries()) {
      expect(acks.map((a) => readAck(a).code)).toEqual(Array(perSender).fill('AA'));
      expect(acks.map((a) => readAck(a).controlId)).toEqual(Array.from({ length: perSender }, (_, k) => `C${s}-${k}`));
    }
    expect(countRows(store)).toBe(50 * perSender);
    expect(readDb(store.path, (db) => (db.prepare('SELECT count(DISTINCT natural_key) AS n FROM messages').get() as { n: number }).n)).toBe(50 * perSender);
    expect(listener.stats()).toMatchObject({ stored: 300, duplicates: 0 });
    // node-hl7-client may open more than one socket per connection object.
    expect(listener.stats().connectionsTotal).toBeGreaterThanOrEqual(50);
  });

  it('no ACK before commit: stopped between receive and commit, the re-sent message is stored once', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reachedCommit!: () => void;
    const atCommit = new Promise<void>((r) => (reachedCommit = r));
    const { listener, port } = await startListener({
      beforeCommit: async () => {
        reachedCommit();
        await held;
      },
    });
    const peer = await RawPeer.open(port);
    await peer.write(encodeFrame(adt('KILL-1')));
    await atCommit;
    expect(peer.acks).toEqual([]);
    const stopped = listener.stop();
    release();
    await stopped;
    await peer.until(() => peer.closed, 'connection closed by the stopped agent');
    expect(peer.acks).toEqual([]);
    expect(countRows(store)).toBe(0);

    // The agent comes back on the same database file; the sender re-sends.
    store.close();
    store = Store.open(join(dir, 'agent.db'));
    const again = await startListener({}, store);
    const acks = await sendWithHl7Client(again.port, [adt('KILL-1')]);
    expect(readAck(acks[0]!)).toMatchObject({ code: 'AA', controlId: 'KILL-1' });
    const acks2 = await sendWithHl7Client(again.port, [adt('KILL-1')]);
    expect(acks2[0]).toBe(acks[0]);
    expect(countRows(store, 'natural_key = ?', 'KILL-1')).toBe(1);
  });
});

describe('MllpListener intake rules', () => {
  it('dedupes on (source, MSH-10): a re-send with different bytes gets the stored ACK and no new row', async () => {
    const { listener, port } = await startListener();
    const peer = await RawPeer.open(port);
    await peer.write(encodeFrame(adt('DUP-1', { ts: '20260301080000' })));
    await peer.acksCount(1);
    await peer.write(encodeFrame(adt('DUP-1', { ts: '20260301080500' })));
    await peer.write(encodeFrame(adt('DUP-1', { ts: '20260301080000' })));
    const [first, second, third] = await peer.acksCount(3);
    expect(readAck(first!)).toMatchObject({ code: 'AA', controlId: 'DUP-1' });
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(countRows(store)).toBe(1);
    expect(listener.stats()).toMatchObject({ stored: 1, duplicates: 2 });
    peer.close();
  });

  it('reassembles frames split across TCP writes and answers each', async () => {
    const { port } = await startListener();
    const peer = await RawPeer.open(port);
    const wire = Buffer.concat([encodeFrame(adt('SPLIT-1')), encodeFrame(adt('SPLIT-2'))]);
    for (let i = 0; i < wire.length; i += 7) {
      await peer.write(wire.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    const acks = await peer.acksCount(2);
    expect(acks.map((a) => readAck(a))).toMatchObject([
      { code: 'AA', controlId: 'SPLIT-1' },
      { code: 'AA', controlId: 'SPLIT-2' },
    ]);
    expect(countRows(store)).toBe(2);
    peer.close();
  });

  it('skips junk between frames, and handles several frames in one chunk', async () => {
    const { listener, port } = await startListener();
    const peer = await RawPeer.open(port);
    await peer.write(Buffer.concat([Buffer.from('GET / HTTP/1.0\r\n'), encodeFrame(adt('J-1')), Buffer.from('\n\n\x00garbage'), encodeFrame(adt('J-2')), encodeFrame(adt('J-3'))]));
    const acks = await peer.acksCount(3);
    expect(acks.map((a) => readAck(a).controlId)).toEqual(['J-1', 'J-2', 'J-3']);
    expect(countRows(store)).toBe(3);
    expect(listener.stats().junkBytes).toBe(16 + 10);
    peer.close();
  });

  it('accepts CR, LF and CRLF segment ends and keeps the original bytes', async () => {
    const { port } = await startListener();
    const peer = await RawPeer.open(port);
    const texts = [adt('SEP-CR', { sep: '\r' }), adt('SEP-LF', { sep: '\n' }), adt('SEP-CRLF', { sep: '\r\n' })];
    for (const t of texts) await peer.write(encodeFrame(t));
    const acks = await peer.acksCount(3);
    expect(acks.map((a) => readAck(a).code)).toEqual(['AA', 'AA', 'AA']);
    const raws = store.listMessages(10).reverse().map((m) => store.messageDetail(m.id)!.raw!.toString('utf8'));
    expect(raws).toEqual(texts);
    peer.close();
  });

  it('answers an oversize message with AR and a clear ERR, stores nothing, and keeps the connection usable', async () => {
    const { listener, port } = await startListener({ maxMessageBytes: 2000 });
    const peer = await RawPeer.open(port);
    const big = adt('BIG-1') + '\rNTE|1||' + 'x'.repeat(5000);
    await peer.write(encodeFrame(big));
    await peer.write(encodeFrame(adt('SMALL-1')));
    const [nack, ok] = await peer.acksCount(2);
    expect(readAck(nack!)).toMatchObject({ code: 'AR', controlId: 'BIG-1', hasErr: true });
    expect(nack).toContain('exceeds the limit of 2000 bytes');
    expect(readAck(ok!)).toMatchObject({ code: 'AA', controlId: 'SMALL-1' });
    expect(countRows(store)).toBe(1);
    expect(listener.stats().oversize).toBe(1);
    peer.close();
  });

  it('answers an unparsable message AE with ERR, echoing MSH-10, and still stores it as invalid', async () => {
    const { port } = await startListener();
    const peer = await RawPeer.open(port);
    // The LinuxForHealth sample: MSH-2 is "^~\\&" (doubled backslash).
    await peer.write(encodeFrame(sample('lfh-sample_unix.hl7')));
    await peer.write(encodeFrame('this is not HL7 at all'));
    const [bad, worse] = await peer.acksCount(2);
    expect(readAck(bad!)).toMatchObject({ code: 'AE', controlId: '102', hasErr: true });
    expect(bad).toContain('HL7V2_BAD_ENCODING_CHARACTERS');
    expect(readAck(worse!)).toMatchObject({ code: 'AE', controlId: '', hasErr: true });
    const rows = store.listMessages(10);
    expect(rows.map((r) => [r.state, r.errorCode])).toEqual([
      ['invalid', 'HL7V2_NO_MSH'],
      ['invalid', 'HL7V2_BAD_ENCODING_CHARACTERS'],
    ]);
    peer.close();
  });

  it('refuses a message with a processing id the source does not accept (AR), without storing it', async () => {
    const { listener, port } = await startListener({ acceptProcessingIds: ['P'] });
    const peer = await RawPeer.open(port);
    await peer.write(encodeFrame(adt('TRAIN-1', { processingId: 'T' })));
    const [ack] = await peer.acksCount(1);
    expect(readAck(ack!)).toMatchObject({ code: 'AR', controlId: 'TRAIN-1', hasErr: true });
    expect(ack).toContain('202^Unsupported processing id');
    expect(countRows(store)).toBe(0);
    expect(listener.stats().refused).toBe(1);
    peer.close();
  });

  it('reads a UTF-16 message only with the per-source charset override', async () => {
    const text = adt('U16-1', { charset: 'UNICODE UTF-16', name: 'NGUYỄN^THỊ HẰNG' });
    const bytes = iconv.encode(text, 'utf16le');
    const plain = await startListener({ sourceId: 'plain' });
    const p1 = await RawPeer.open(plain.port);
    await p1.write(encodeFrame(bytes));
    expect(readAck((await p1.acksCount(1))[0]!).code).toBe('AE');
    const over = await startListener({ sourceId: 'utf16', charset: 'utf16le' });
    const p2 = await RawPeer.open(over.port);
    await p2.write(encodeFrame(bytes));
    expect(readAck((await p2.acksCount(1))[0]!)).toMatchObject({ code: 'AA', controlId: 'U16-1' });
    p1.close();
    p2.close();
  });

  it('closes a connection that stays idle past the timeout', async () => {
    const { listener, port } = await startListener({ idleTimeoutMs: 150 });
    const peer = await RawPeer.open(port);
    await peer.until(() => peer.closed, 'idle close');
    expect(peer.acks).toEqual([]);
    await eventually(() => listener.stats().connectionsOpen === 0, 'connection count to drop');
    expect(listener.stats().idleTimeouts).toBe(1);
  });

  it('enhanced mode: CA after commit, then the application ACK after conversion; a re-send gets both', async () => {
    const stored: number[] = [];
    const { listener, port } = await startListener({ ackMode: 'enhanced', onStored: (id) => stored.push(id) });
    const peer = await RawPeer.open(port);
    const text = adt('ENH-1').replace('|2.5|||||VNM|', '|2.5|||AL|AL|VNM|');
    await peer.write(encodeFrame(text));
    const [ca] = await peer.acksCount(1);
    expect(readAck(ca!)).toMatchObject({ code: 'CA', controlId: 'ENH-1' });
    expect(stored).toHaveLength(1);
    const appAck = listener.applicationAck(stored[0]!, { ok: false, code: 'FHIR_INVALID', message: 'Patient.birthDate is not a date' });
    const [, ae] = await peer.acksCount(2);
    expect(ae).toBe(appAck);
    expect(readAck(ae!)).toMatchObject({ code: 'AE', controlId: 'ENH-1', hasErr: true });
    await peer.write(encodeFrame(text));
    const [, , ca2, ae2] = await peer.acksCount(4);
    expect(ca2).toBe(ca);
    expect(ae2).toBe(ae);
    expect(countRows(store)).toBe(1);
    peer.close();
  });
});

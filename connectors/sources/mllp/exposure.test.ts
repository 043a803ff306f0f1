// A hostile LAN (docs/security.md): senders outside the allow list are cut before any byte is
// read, open connections are capped, unfinished frames share one memory budget (the biggest
// holder is dropped, its buffer freed at once), MLLP may run over TLS, and a listener open to
// every sender says so in its status.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../main/store/store.js';
import { readDb } from '../../../test/support/dbOracle.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { waitFor } from '../../../test/support/waitFor.js';
import { readAck } from './ack.js';
import { allowListOf, parseCidr } from './allowList.js';
import { encodeFrame, MllpDecoder, VT } from './framing.js';
import { MllpListener, type MllpListenerOptions } from './listener.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
const listeners: MllpListener[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of listeners.splice(0)) await l.stop();
  store?.close();
  tmp?.cleanup();
});

async function startListener(extra: Partial<MllpListenerOptions> = {}) {
  tmp = tempDir('vhr-mllp-exposure-');
  store = Store.open(join(tmp.path, 'agent.db'));
  const listener = new MllpListener({ sourceId: 'lab', host: '127.0.0.1', port: 0, store, ...extra });
  listeners.push(listener);
  const { port } = await listener.start();
  return { listener, port };
}

const adt = (id: string) => `MSH|^~\\&|LIS|BV01|VHR|SYT|20260301080000||ADT^A01^ADT_A01|${id}|P|2.5\rPID|1||BN${id}^^^BV01^MR||NGUYEN^VAN A`;
const rows = () => readDb(store.path, (db) => (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n);

/** Sends one message on a fresh socket; resolves with the ACK text, or null if the listener closed it first. */
function sendOnce(open: () => Socket, message: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = open();
    sockets.push(socket);
    const decoder = new MllpDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk))
        if (e.kind === 'frame') {
          resolve(e.payload.toString('utf8'));
          socket.destroy();
        }
    });
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(null));
    socket.write(encodeFrame(message));
  });
}
const tcp = (port: number) => () => connectTcp({ host: '127.0.0.1', port });

describe('allow list', () => {
  it('parses CIDR blocks and single addresses, IPv4 and IPv6, and says what is wrong', () => {
    const list = allowListOf(['10.20.0.0/16', '192.168.1.7', 'fd00::/8']);
    expect(['10.20.3.4', '10.21.0.1', '192.168.1.7', '192.168.1.8', '::ffff:10.20.9.9', 'fd12:3456::1', 'fe80::1', undefined].map((a) => list.allows(a))).toEqual([
      true, false, true, false, true, true, false, false,
    ]);
    expect(allowListOf([]).openToAll).toBe(true);
    expect(() => parseCidr('10.0.0.0/33')).toThrow('"10.0.0.0/33": the prefix length must be 0 to 32');
    expect(() => parseCidr('lab-pc')).toThrow('"lab-pc" is not an IPv4 or IPv6 address or CIDR block');
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
  });

  it('a sender outside the list is closed before anything is read or stored; one inside is ACKed', async () => {
    const { listener, port } = await startListener({ allow: ['10.0.0.0/8', 'fd00::/8'] });
    expect(await sendOnce(tcp(port), adt('OUT1'))).toBeNull();
    expect(listener.stats()).toMatchObject({ notAllowed: 1, framesReceived: 0 });
    expect(rows()).toBe(0);
    const open = await startListener({ allow: ['127.0.0.0/8'] });
    expect(readAck((await sendOnce(tcp(open.port), adt('IN1')))!).code).toBe('AA');
    expect(rows()).toBe(1);
  });
});

describe('connection and memory caps', () => {
  it('closes connections over maxConnections at once', async () => {
    const { listener, port } = await startListener({ maxConnections: 2 });
    for (let i = 0; i < 2; i++) {
      const s = connectTcp({ host: '127.0.0.1', port });
      sockets.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    await waitFor(() => listener.stats().connectionsOpen === 2, { what: 'two open' });
    expect(await sendOnce(tcp(port), adt('THIRD'))).toBeNull();
    expect(listener.stats().overConnectionLimit).toBe(1);
  });

  it('over the buffer budget the biggest holder is dropped and freed, while a normal sender is ACKed', async () => {
    const MiB = 1024 * 1024;
    const { listener, port } = await startListener({ maxBufferedBytes: MiB });
    const hogs: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = connectTcp({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      sockets.push(s);
      hogs.push(s);
      // A frame that never ends: 400 KiB each, 1.2 MiB together.
      s.write(Buffer.concat([Buffer.from([VT]), Buffer.alloc(400 * 1024, 0x41)]));
    }
    await waitFor(() => listener.stats().overBufferLimit >= 1, { what: 'a hog dropped' });
    expect(listener.stats().bufferedBytes).toBeLessThanOrEqual(MiB);
    expect(readAck((await sendOnce(tcp(port), adt('NORMAL1')))!).code).toBe('AA');
    for (const s of hogs) s.destroy();
    await waitFor(() => listener.stats().connectionsOpen === 0, { what: 'all closed' });
    expect(listener.stats().bufferedBytes).toBe(0);
    expect(rows()).toBe(1);
  });
});

describe('MLLP over TLS and exposure warning', () => {
  it('accepts TLS senders with the configured certificate; plain text on the TLS port is not stored', async () => {
    const dir = tempDir('vhr-mllp-tls-');
    const cert = join(dir.path, 'cert.pem');
    const key = join(dir.path, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const { port } = await startListener({ tls: { cert, key } });
    const ack = await sendOnce(() => connectTls({ host: '127.0.0.1', port, ca: readFileSync(cert) }), adt('TLS1'));
    expect(readAck(ack!).code).toBe('AA');
    expect(await sendOnce(tcp(port), adt('PLAIN1'))).toBeNull();
    expect(rows()).toBe(1);
    dir.cleanup();
  });

  it('warns in the status when listening to the network with no allow list, not otherwise', async () => {
    const open = await startListener({ host: '0.0.0.0' });
    expect(open.listener.status().warning).toBe(
      'Mở cho mọi máy trong mạng: chưa có danh sách máy gửi được phép (allow). / Open to every computer on the network: no allow list of senders is set (allow). Không mã hóa (TLS). / Not encrypted (no TLS).',
    );
    await open.listener.stop();
    const listed = new MllpListener({ sourceId: 'lab2', host: '0.0.0.0', port: 0, store, allow: ['10.0.0.0/8'] });
    listeners.push(listed);
    await listed.start();
    expect(listed.status().warning).toBeUndefined();
    const local = new MllpListener({ sourceId: 'lab3', host: '127.0.0.1', port: 0, store });
    expect(local.status().warning).toBeUndefined();
  });
});

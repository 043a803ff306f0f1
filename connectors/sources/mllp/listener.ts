// The HL7v2 MLLP listener (DESIGN §4.1, §5): node:net + our own framing. Each connection
// handles its frames one at a time, in order, so ACKs leave in message order; each ACK is
// written only after Hl7Intake has committed the message's row. A hostile LAN is bounded
// (docs/security.md): senders outside the `allow` list are cut at once, open connections are
// capped, and the bytes of unfinished frames across all connections share one budget — over
// it, the connection holding the most is dropped and its buffer freed at once.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { allowListOf, type AllowList } from './allowList.js';
import type { IntakeSink } from '../../../main/store/ports.js';
import { readHeaderFields } from '../../formats/hl7v2/parse.js';
import { AckCode, buildAck, Hl7ErrorCode } from './ack.js';
import { encodeFrame, MllpDecoder, type FrameEvent } from './framing.js';
import { Hl7Intake, IntakeOutcome, type AckMode, type ApplicationOutcome, type IntakeResult } from './intake.js';
import { SourceState, type Source, type SourceStatus } from '../types.js';

export interface MllpListenerOptions {
  sourceId: string;
  host: string;
  /** 0 = any free port (see start()). */
  port: number;
  store: IntakeSink;
  /** Character set used for every message of this source, whatever MSH-18 says. */
  charset?: string;
  /** Largest accepted payload; a larger one is answered AR and not stored. Default 16 MiB. */
  maxMessageBytes?: number;
  /** A connection silent this long is closed. Default 10 minutes; 0 = never. */
  idleTimeoutMs?: number;
  /** TCP keep-alive probe delay. Default 60 s; 0 disables keep-alive. */
  keepAliveMs?: number;
  /** MSH-11 values accepted (e.g. ['P']); others get AR. Unset = all. */
  acceptProcessingIds?: string[];
  ackMode?: AckMode;
  /** Called after each newly committed message (not on duplicates or refusals). */
  onStored?: (id: number) => void;
  clock?: () => Date;
  /** Test hook, see IntakeOptions.beforeCommit. */
  beforeCommit?: (controlId: string) => void | Promise<void>;
  /** Sender addresses accepted (CIDR, IPv4 or IPv6). Empty or unset = every address (warned in status). */
  allow?: readonly string[];
  /** Open connections at most; further ones are closed at once. Default 256. */
  maxConnections?: number;
  /** Bytes of unfinished frames held across all connections at most. Default 128 MiB. */
  maxBufferedBytes?: number;
  /** MLLP over TLS: PEM certificate (chain) and private key files. */
  tls?: { cert: string; key: string };
}

export interface MllpListenerStats {
  connectionsTotal: number;
  connectionsOpen: number;
  framesReceived: number;
  stored: number;
  storedInvalid: number;
  duplicates: number;
  refused: number;
  oversize: number;
  storeFailures: number;
  junkBytes: number;
  idleTimeouts: number;
  /** Connections closed at once: sender not in the allow list. */
  notAllowed: number;
  /** Connections closed at once: maxConnections reached. */
  overConnectionLimit: number;
  /** Connections dropped because unfinished frames exceeded maxBufferedBytes. */
  overBufferLimit: number;
  /** Bytes of unfinished frames held now, all connections together. */
  bufferedBytes: number;
  acksSent: Record<string, number>;
  /** Time from a frame's last byte to its ACK being written: what the sender waits for. */
  ackTime: AckTime;
}

/** Upper bounds (ms) of the ACK time histogram's buckets. */
export const ACK_TIME_BOUNDS_MS = [1, 2, 5, 10, 15, 25, 50, 100, 250, 1000] as const;

/** Cumulative-ready histogram of ACK times: counts per bucket of ACK_TIME_BOUNDS_MS (then over the last). */
export interface AckTime {
  counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
}

/** What to write back for one frame, once the frames before it are answered. */
interface Answer {
  ack?: string;
  ackCode?: string;
  appAck?: string;
}

/** How the listener's commits went: batches, messages, the largest batch, waits for the write lock. */
export interface CommitStats {
  batches: number;
  messages: number;
  largestBatch: number;
  lockWaits: number;
  longestLockWaitMs: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_KEEP_ALIVE_MS = 60_000;
export const DEFAULT_MAX_CONNECTIONS = 256;
export const DEFAULT_MAX_BUFFERED_BYTES = 128 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

interface Connection {
  socket: Socket;
  decoder: MllpDecoder;
  /** The answer to this connection's last frame: the next one is written after it. */
  queue: Promise<unknown>;
}


export class MllpListener implements Source {
  readonly id: string;
  private server: Server | undefined;
  private state: SourceState = SourceState.stopped;
  /** Why the last start failed, in plain words. */
  private startError?: string;
  /** Where senders connect, once listening (the port may have been chosen by the OS). */
  private address?: string;
  private readonly intake: Hl7Intake;
  private readonly connections = new Set<Connection>();
  /** Which open connection delivered a message, for enhanced-mode application ACKs. */
  private readonly origin = new Map<number, Connection>();
  private readonly abort = { aborted: false };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counters: MllpListenerStats = {
    connectionsTotal: 0,
    connectionsOpen: 0,
    framesReceived: 0,
    stored: 0,
    storedInvalid: 0,
    duplicates: 0,
    refused: 0,
    oversize: 0,
    storeFailures: 0,
    junkBytes: 0,
    idleTimeouts: 0,
    notAllowed: 0,
    overConnectionLimit: 0,
    overBufferLimit: 0,
    bufferedBytes: 0,
    acksSent: {},
    ackTime: { counts: ACK_TIME_BOUNDS_MS.map(() => 0).concat(0), count: 0, sumMs: 0, maxMs: 0 },
  };
  private readonly allowList: AllowList;

  constructor(private readonly opts: MllpListenerOptions) {
    this.id = opts.sourceId;
    this.allowList = allowListOf(opts.allow ?? []);
    this.intake = new Hl7Intake({
      sourceId: opts.sourceId,
      store: opts.store,
      charset: opts.charset,
      acceptProcessingIds: opts.acceptProcessingIds,
      ackMode: opts.ackMode,
      clock: opts.clock,
      beforeCommit: opts.beforeCommit,
    });
  }

  /** Commits shared between connections: batches, messages, and the largest batch. */
  commitStats(): CommitStats {
    const c = this.intake.committer;
    return { batches: c.batches, messages: c.items, largestBatch: c.largestBatch, lockWaits: c.lockWaits, longestLockWaitMs: c.longestLockWaitMs };
  }

  async start(): Promise<{ port: number }> {
    try {
      const port = await this.listen();
      this.address = `${this.opts.host}:${port}`;
      this.state = SourceState.listening;
      this.startError = undefined;
      return { port };
    } catch (err) {
      this.state = SourceState.error;
      this.startError = `cannot listen: ${(err as Error).message}`;
      throw err;
    }
  }

  private listen(): Promise<number> {
    if (this.server) throw new Error('MLLP listener already started');
    this.abort.aborted = false;
    const tls = this.opts.tls;
    const server = tls ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), minVersion: 'TLSv1.2' }) : createServer();
    // Checked on the raw connection, before any TLS handshake or byte is read.
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => this.accept(socket));
    // A failed handshake (plain text sent to the TLS port, a scan) only closes that connection.
    server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.opts.port);
      });
    });
  }

  status(): SourceStatus {
    // The store's last refusal (disk full …) shows as the source's error until a message is stored again.
    const fault = this.state === SourceState.listening ? this.storageFault() : undefined;
    const warning = this.exposureWarning();
    if (fault) return { id: this.id, type: 'mllp', state: SourceState.error, detail: `messages cannot be stored (${fault}); senders are told to send again later`, address: this.address, warning };
    return { id: this.id, type: 'mllp', state: this.state, detail: this.startError, address: this.address, warning };
  }

  /** Listening beyond this machine to any sender (no allow list) is allowed, but said plainly. */
  private exposureWarning(): string | undefined {
    if (!this.allowList.openToAll || LOOPBACK.has(this.opts.host)) return undefined;
    return `Mở cho mọi máy trong mạng: chưa có danh sách máy gửi được phép (allow). / Open to every computer on the network: no allow list of senders is set (allow).${this.opts.tls ? '' : ' Không mã hóa (TLS). / Not encrypted (no TLS).'}`;
  }

  /**
   * Stops like a process exit: no new connections, open ones are closed at once, and a
   * message not yet committed is neither committed nor acknowledged (its sender re-sends).
   */
  async stop(): Promise<void> {
    this.state = SourceState.stopped;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.abort.aborted = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.connections) c.socket.destroy();
    await Promise.allSettled([...this.inFlight]);
    await closed;
    this.origin.clear();
  }

  /**
   * The store's last refusal (disk full, read-only data folder …), until a message is stored
   * again: the source shows it as its error while senders get AR "send again later".
   */
  storageFault(): string | undefined {
    return this.lastStoreError;
  }

  stats(): MllpListenerStats {
    const t = this.counters.ackTime;
    return { ...this.counters, bufferedBytes: this.buffered, acksSent: { ...this.counters.acksSent }, ackTime: { ...t, counts: [...t.counts] } };
  }

  /**
   * Enhanced mode: call after the pipeline converted (or failed to convert) a message
   * received here. Builds the application ACK (AA, or AE with the reason), records it so a
   * re-send gets it too, and writes it to the sender's connection if that is still open.
   * Returns the ACK text, or undefined when MSH-16 wants none or the message is unknown.
   */
  applicationAck(messageId: number, outcome: ApplicationOutcome): string | undefined {
    const ack = this.intake.applicationAck(messageId, outcome);
    const conn = this.origin.get(messageId);
    this.origin.delete(messageId);
    if (ack && conn && !conn.socket.destroyed) this.send(conn, ack);
    return ack;
  }

  /** Bytes of unfinished frames held, all connections together. */
  private buffered = 0;
  /** Raw connections admitted and not yet closed (TLS ones before their handshake too). */
  private admitted = 0;

  /** The first look at a new connection: closed at once if the sender is not allowed or too many are open. */
  private admit(socket: Socket): void {
    if (!this.allowList.allows(socket.remoteAddress)) {
      this.counters.notAllowed += 1;
      socket.destroy();
      return;
    }
    if (this.admitted >= (this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      this.counters.overConnectionLimit += 1;
      socket.destroy();
      return;
    }
    this.admitted += 1;
    socket.once('close', () => (this.admitted -= 1));
  }

  private accept(socket: Socket): void {
    // The 'connection' check runs first; a connection it closed never gets here.
    if (socket.destroyed) return;
    const conn: Connection = {
      socket,
      decoder: new MllpDecoder(this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      queue: Promise.resolve(),
    };
    this.connections.add(conn);
    this.counters.connectionsTotal += 1;
    this.counters.connectionsOpen += 1;
    socket.setNoDelay(true);
    const keepAlive = this.opts.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive);
    const idle = this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idle > 0) {
      socket.setTimeout(idle, () => {
        this.counters.idleTimeouts += 1;
        socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => {
      const before = conn.decoder.heldBytes;
      const events = conn.decoder.push(chunk);
      this.buffered += conn.decoder.heldBytes - before;
      for (const event of events) this.enqueue(conn, event);
      this.enforceBudget();
    });
    // A peer reset is routine for MLLP senders; the connection is simply gone.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.dropBuffer(conn);
      this.connections.delete(conn);
      this.counters.connectionsOpen -= 1;
      for (const [id, c] of this.origin) if (c === conn) this.origin.delete(id);
    });
  }

  private dropBuffer(conn: Connection): void {
    this.buffered -= conn.decoder.heldBytes;
    conn.decoder.release();
  }

  /**
   * Over the budget, the connection holding the most unfinished bytes is dropped (its buffer
   * freed now, not when the socket finishes closing) until the total fits again: a flood of
   * never-ending frames costs its senders their connections, while a normal sender, holding
   * little, keeps its own.
   */
  private enforceBudget(): void {
    const max = this.opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    while (this.buffered > max) {
      let hog: Connection | undefined;
      for (const c of this.connections) if (!hog || c.decoder.heldBytes > hog.decoder.heldBytes) hog = c;
      if (!hog || hog.decoder.heldBytes === 0) return;
      this.counters.overBufferLimit += 1;
      this.dropBuffer(hog);
      hog.socket.destroy();
    }
  }

  /**
   * A frame is taken in at once — so that frames a sender pipelines on one connection share a
   * commit — while its answer waits for those before it: ACKs leave in message order.
   */
  private enqueue(conn: Connection, event: FrameEvent): void {
    if (event.kind === 'junk') {
      this.counters.junkBytes += event.bytes;
      return;
    }
    const arrivedAt = performance.now();
    const outcome = this.takeIn(conn, event).catch(() => {
      // Whatever failed, this frame cannot be answered: the sender re-sends on a new connection.
      conn.socket.destroy();
      return undefined;
    });
    const job = conn.queue.then(() => outcome).then((answer) => answer && this.answer(conn, answer, arrivedAt));
    conn.queue = job;
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  /** Stores the frame (or decides to refuse it); undefined when nothing may be answered. */
  private async takeIn(conn: Connection, event: Exclude<FrameEvent, { kind: 'junk' }>): Promise<Answer | undefined> {
    if (this.abort.aborted || conn.socket.destroyed) return undefined;
    this.counters.framesReceived += 1;
    if (event.kind === 'oversize') {
      this.counters.oversize += 1;
      return { ack: this.oversizeAck(event.head, event.size), ackCode: AckCode.AR };
    }
    let result: IntakeResult;
    try {
      result = await this.intake.receive(event.payload, this.abort);
    } catch {
      // Unexpected failure before commit: nothing was stored, so nothing may be acknowledged.
      conn.socket.destroy();
      return undefined;
    }
    this.count(result);
    if (result.outcome === IntakeOutcome.aborted) return undefined;
    if (result.messageId !== undefined && (result.outcome === IntakeOutcome.stored || result.outcome === IntakeOutcome.storedInvalid)) {
      if (this.opts.ackMode === 'enhanced') this.origin.set(result.messageId, conn);
      this.opts.onStored?.(result.messageId);
    }
    return { ack: result.ack, ackCode: result.ackCode, appAck: result.appAck };
  }

  private answer(conn: Connection, a: Answer, arrivedAt: number): void {
    if (conn.socket.destroyed) return;
    if (a.ack) {
      this.send(conn, a.ack, a.ackCode);
      this.countAckTime(performance.now() - arrivedAt);
    }
    if (a.appAck) this.send(conn, a.appAck);
  }

  private countAckTime(ms: number): void {
    const t = this.counters.ackTime;
    let i = 0;
    while (i < ACK_TIME_BOUNDS_MS.length && ms > ACK_TIME_BOUNDS_MS[i]!) i++;
    t.counts[i]! += 1;
    t.count += 1;
    t.sumMs += ms;
    t.maxMs = Math.max(t.maxMs, ms);
  }

  private lastStoreError?: string;

  private count(r: IntakeResult): void {
    const c = this.counters;
    if (r.outcome === IntakeOutcome.storeFailed) this.lastStoreError = r.storeError;
    else if (r.outcome === IntakeOutcome.stored || r.outcome === IntakeOutcome.storedInvalid) this.lastStoreError = undefined;
    if (r.outcome === IntakeOutcome.stored) c.stored += 1;
    else if (r.outcome === IntakeOutcome.storedInvalid) c.storedInvalid += 1;
    else if (r.outcome === IntakeOutcome.duplicate) c.duplicates += 1;
    else if (r.outcome === IntakeOutcome.refused) c.refused += 1;
    else if (r.outcome === IntakeOutcome.storeFailed) c.storeFailures += 1;
  }

  private oversizeAck(head: Buffer, size: number): string {
    const limit = this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const now = (this.opts.clock ?? (() => new Date()))();
    return buildAck({
      header: readHeaderFields(head.toString('latin1')),
      code: this.opts.ackMode === 'enhanced' ? AckCode.CR : AckCode.AR,
      ackControlId: `R${now.getTime()}-${this.counters.oversize}`,
      now,
      text: 'refused: message too large',
      error: { code: Hl7ErrorCode.internalError, message: `message of ${size} bytes exceeds the limit of ${limit} bytes; not stored` },
    });
  }

  private send(conn: Connection, ack: string, code?: string): void {
    if (conn.socket.destroyed) return;
    conn.socket.write(encodeFrame(ack));
    const key = code ?? 'other';
    this.counters.acksSent[key] = (this.counters.acksSent[key] ?? 0) + 1;
  }
}

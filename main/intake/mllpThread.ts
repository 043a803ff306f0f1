// The MLLP listener on a thread of its own (DESIGN §4.1): its sockets, framing, parsing and
// commits never wait behind the agent's event loop (deliveries, the API, conversion results,
// garbage collection of large bundles). It opens its own connection to the store — SQLite in
// WAL mode lets it commit while the agent's connection reads — and seals raw messages with
// the agent's keys. An ACK still leaves only after its row is durable (synchronous=FULL).
import { parentPort, workerData } from 'node:worker_threads';
import { MllpListener } from '../../connectors/sources/mllp/listener.js';
import { PayloadCipher } from '../store/payloadCipher.js';
import { Store } from '../store/store.js';
import { WriterId, WriterLock } from '../store/writerLock.js';
import type { FromThread, MllpThreadInit, ToThread } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('mllpThread.js runs only as the MLLP intake thread');
const init = workerData as MllpThreadInit;
const post = (m: FromThread) => port.postMessage(m);

// Checkpoints are the agent's (its checkpoint thread): never inside a commit an ACK waits for.
const store = Store.open(init.dbPath, PayloadCipher.fromKeys(init.cipher), {
  autoCheckpoint: false,
  writerLock: new WriterLock(init.writerLock, WriterId.intakeThread),
});

// New rows are announced once per turn of the event loop, not once per message.
let unannounced = 0;
const onStored = () => {
  if (unannounced++ === 0) {
    setImmediate(() => {
      post({ kind: 'stored', count: unannounced });
      unannounced = 0;
    });
  }
};

const listener = new MllpListener({ ...init.listener, store, onStored });

let lastReport = '';
function report(): void {
  const m: FromThread = { kind: 'report', status: listener.status(), stats: listener.stats(), commits: listener.commitStats() };
  const text = JSON.stringify(m);
  if (text === lastReport) return;
  lastReport = text;
  post(m);
}
const reporting = setInterval(report, init.reportIntervalMs);

port.on('message', (m: ToThread) => {
  if (m.kind === 'applicationAck') {
    listener.applicationAck(m.messageId, m.outcome);
    return;
  }
  clearInterval(reporting);
  void listener.stop().then(() => {
    report();
    store.close();
    post({ kind: 'stopped' });
    port.close();
  });
});

try {
  const { port: bound } = await listener.start();
  post({ kind: 'started', port: bound, status: listener.status() });
  report();
} catch (err) {
  clearInterval(reporting);
  store.close();
  post({ kind: 'startFailed', message: (err as Error).message });
  port.close();
}

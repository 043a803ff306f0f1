// Resource faults (docs/security.md): a read-only data folder stops the start with a clear
// message (no stack trace); a full disk during MLLP intake answers AR "send again later" with
// the reason, shows the fault, corrupts nothing, and the same message is stored once there is
// room. (The watched-folder side of a full disk: connectors/sources/folder/hostileFiles.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { DataDirError } from '../../main/dataDir.js';
import { PACKAGE_ROOT } from '../../main/paths.js';
import { Store } from '../../main/store/store.js';
import { fillDisk } from '../../main/store/diskFull.js';
import { readDb } from '../support/dbOracle.js';
import { MllpListener } from '../../connectors/sources/mllp/listener.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';
import { encodeFrame, MllpDecoder } from '../../connectors/sources/mllp/framing.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/**
 * A folder that refuses writes: a read-only tmpfs when running as root (root ignores file
 * modes), else a folder without write permission. As root without the right to mount (a
 * container without CAP_SYS_ADMIN) no folder can refuse root's writes: that is reported as a
 * failure naming the cause, unless the run says it knowingly goes without this check.
 */
function readOnlyFolder(parent: string): { path: string; expectedCode: string } | { unavailable: string } {
  const path = join(parent, 'ro');
  mkdirSync(path);
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', path], { stdio: 'pipe' });
    } catch (err) {
      const why = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim();
      return {
        unavailable:
          `running as root, and "mount -t tmpfs -o ro" is refused (${why}): root writes through file modes, so there is no read-only ` +
          `folder to test with. Run the tests as a non-root user or with mount permission, or set ${SKIP_VAR}=1 to skip this check knowingly.`,
      };
    }
    cleanups.push(() => execFileSync('umount', [path], { stdio: 'ignore' }));
    return { path, expectedCode: 'EROFS' };
  }
  chmodSync(path, 0o500);
  cleanups.push(() => chmodSync(path, 0o700));
  return { path, expectedCode: 'EACCES' };
}

/** Set to 1 to skip the read-only check where no read-only folder can be made (said loudly). */
const SKIP_VAR = 'VHR_TEST_NO_READONLY_FOLDER';

describe('read-only data folder', () => {
  it('stops the start with a plain message naming the folder, the cause and the fix', (ctx) => {
    const tmp = tempDir('vhr-rofs-');
    cleanups.push(tmp.cleanup);
    const ro = readOnlyFolder(tmp.path);
    if ('unavailable' in ro) {
      if (process.env[SKIP_VAR] !== '1') throw new Error(ro.unavailable);
      process.stderr.write(`SKIPPED read-only data folder check (${SKIP_VAR}=1): ${ro.unavailable}\n`);
      return ctx.skip(ro.unavailable);
    }
    const dataDir = ro.path;
    const yaml = `facility: { code: "94170" }\ndataDir: ${JSON.stringify(dataDir)}\nsources: []\ndestinations: []\n`;

    let error: unknown;
    try {
      new Agent(parseConfigText(yaml, tmp.path));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as DataDirError).code).toBe(ro.expectedCode);
    expect((error as Error).message).toMatch(new RegExp(`^cannot write to the data folder ${dataDir} \\(${ro.expectedCode}\\): `));

    // The operator's view: the command prints one line and exits 1, no stack trace.
    const configFile = join(tmp.path, 'agent.yaml');
    writeFileSync(configFile, yaml);
    const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'main', 'cli.js'), 'run', '--quiet', '--config', configFile], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`vhr-agent: ${(error as Error).message}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('disk full during MLLP intake', () => {
  it('answers AR with the reason, shows the fault, corrupts nothing, and stores the re-sent message once there is room', async () => {
    const tmp = tempDir('vhr-full-');
    cleanups.push(tmp.cleanup);
    const store = Store.open(join(tmp.path, 'agent.db'));
    cleanups.push(() => store.close());
    const listener = new MllpListener({ sourceId: 'lab', host: '127.0.0.1', port: 0, store });
    const { port } = await listener.start();
    cleanups.push(() => void listener.stop());

    const acks: string[] = [];
    const decoder = new MllpDecoder(1 << 20);
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (chunk) => {
      for (const e of decoder.push(chunk)) if (e.kind === 'frame') acks.push(e.payload.toString('utf8'));
    });
    cleanups.push(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A long note: the row needs new pages, which a full disk cannot give.
    const message = (id: string) => `MSH|^~\\&|LIS|BV|VHR|BV|20260223101500||ADT^A01^ADT_A01|${id}|P|2.5\rPID|1||BN001^^^BV^MR||NGUYEN^VAN AN||19900115|M\rPV1|1|O\rNTE|1||${'x'.repeat(256 * 1024)}`;

    socket.write(encodeFrame(message('FULL-1')));
    await waitFor(() => acks.length === 1, { what: 'first ACK' });
    expect(readAck(acks[0]!).code).toBe('AA');

    const full = fillDisk(store);
    socket.write(encodeFrame(message('FULL-2')));
    await waitFor(() => acks.length === 2, { what: 'NACK' });
    const nack = readAck(acks[1]!);
    expect(nack).toEqual({ code: 'AR', controlId: 'FULL-2', text: 'not stored, send again later', hasErr: true });
    expect(acks[1]).toMatch(/storage failed: database or disk is full/);
    expect(listener.storageFault()).toBe('SQLITE_FULL: database or disk is full');
    expect(readDb(store.path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
    expect(store.listMessages(10).map((m) => m.naturalKey)).toEqual(['FULL-1']);

    full.release();
    socket.write(encodeFrame(message('FULL-2')));
    await waitFor(() => acks.length === 3, { what: 'ACK after the fault' });
    expect(readAck(acks[2]!).code).toBe('AA');
    expect(listener.storageFault()).toBeUndefined();
    expect(store.listMessages(10).map((m) => m.naturalKey)).toEqual(['FULL-2', 'FULL-1']);
    expect(readDb(store.path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  });
});

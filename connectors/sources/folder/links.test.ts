// The watched folder never leads the agent out of it (docs/security.md): links and special
// files in the inbox are refused unread and shown in error/ with the reason; links planted in
// processed/ or error/ are never written through; file names cannot forge report lines.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Store } from '../../../main/store/store.js';
import { createLogger } from '../../../main/log.js';
import type { FolderSourceConfig } from '../../../main/config/schema.js';
import { FolderSource } from './folderSource.js';
import { printableName } from './safeFs.js';
import { envelopeOf, manyClaims } from '../../../test/support/claimXml.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { waitFor } from '../../../test/support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let source: FolderSource;
let config: FolderSourceConfig;
let server: Server | undefined;

/** The inbox and its folders exist before the source starts, so links can be planted first. */
async function startSource() {
  source = new FolderSource({ config, store, logger: createLogger(), retryMs: 40 });
  await source.start();
}
function prepare() {
  tmp = tempDir('vhr-links-');
  store = Store.open(join(tmp.path, 'data', 'agent.db'));
  const inbox = join(tmp.path, 'inbox');
  config = { id: 'his', type: 'folder', path: inbox, format: 'auto', quietMs: 30, processedDir: join(inbox, 'processed'), errorDir: join(inbox, 'error'), commitEvery: 2 };
  for (const d of [config.path, config.processedDir, config.errorDir]) execFileSync('mkdir', ['-p', d]);
}
afterEach(async () => {
  await source?.stop();
  server?.close();
  server = undefined;
  store?.close();
  tmp?.cleanup();
});

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** A report's text once written (it is created, then filled). */
const reportOf = (name: string) => (existsSync(join(config.errorDir, name)) ? readFileSync(join(config.errorDir, name), 'utf8') : '');
const inboxEntries = () => list(config.path).filter((f) => f !== 'processed' && f !== 'error');

describe('links and special files in the inbox', () => {
  it('a symlink to a 0600 file outside the inbox is not read: it lands in error/ with the reason, nothing is queued', async () => {
    prepare();
    const secret = join(tmp.path, 'secret.xml');
    writeFileSync(secret, envelopeOf(manyClaims(2, 'SECRET')), { mode: 0o600 });
    chmodSync(secret, 0o600);
    symlinkSync(secret, join(config.path, 'export.xml'));
    await startSource();
    await waitFor(() => reportOf('export.xml.error.txt'), { what: 'link refused' });
    expect(store.messageCounts().received).toBe(0);
    // The link itself was moved, still pointing where it pointed; the outside file is untouched.
    expect(lstatSync(join(config.errorDir, 'export.xml')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(config.errorDir, 'export.xml'))).toBe(secret);
    expect(readFileSync(secret, 'utf8')).toBe(envelopeOf(manyClaims(2, 'SECRET')));
    expect(readFileSync(join(config.errorDir, 'export.xml.error.txt'), 'utf8')).toMatch(/\[FILE_NOT_REGULAR\]: Mục trong thư mục nhận không phải tệp thường[^\n]*\n  Error: the entry is a symbolic link; links are never followed/);
    expect(inboxEntries()).toEqual([]);
  });

  it('a FIFO and a socket are refused without being opened, and the files after them still flow', async () => {
    prepare();
    execFileSync('mkfifo', [join(config.path, 'pipe.xml')]);
    server = createServer();
    await new Promise<void>((r) => server!.listen(join(config.path, 'sock.hl7'), r));
    await startSource();
    writeFileSync(join(config.path, 'good.xml'), envelopeOf(manyClaims(1, 'OK')));
    await waitFor(() => list(config.processedDir).includes('good.xml') && reportOf('pipe.xml.error.txt') && reportOf('sock.hl7.error.txt'), { what: 'all handled' });
    expect(readFileSync(join(config.errorDir, 'pipe.xml.error.txt'), 'utf8')).toMatch(/\[FILE_NOT_REGULAR\][^\n]*\n  Error: the entry is a named pipe \(FIFO\), not a file; it was not opened/);
    expect(readFileSync(join(config.errorDir, 'sock.hl7.error.txt'), 'utf8')).toMatch(/\[FILE_NOT_REGULAR\][^\n]*\n  Error: the entry is a socket/);
    expect(lstatSync(join(config.errorDir, 'pipe.xml')).isFIFO()).toBe(true);
    expect(store.listMessages(10).map((m) => m.naturalKey)).toEqual(['94170|OK0001']);
    expect(source.filesFailed).toBe(2);
  });
});

describe('links planted in error/ and processed/', () => {
  it('a symlink planted as error/<name>.error.txt leaves its target unchanged; the report goes to a fresh name', async () => {
    prepare();
    const victim = join(tmp.path, 'victim.conf');
    writeFileSync(victim, 'keep me\n');
    symlinkSync(victim, join(config.errorDir, 'bad.xml.error.txt'));
    await startSource();
    writeFileSync(join(config.path, 'bad.xml'), 'not xml at all');
    await waitFor(() => reportOf('bad (2).xml.error.txt'), { what: 'report written' });
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(readlinkSync(join(config.errorDir, 'bad.xml.error.txt'))).toBe(victim);
    expect(readFileSync(join(config.errorDir, 'bad (2).xml.error.txt'), 'utf8')).toMatch(/^Tệp \/ File: bad\.xml\nLỗi \[ENVELOPE_NOT_XML\]/);
    expect(readFileSync(join(config.errorDir, 'bad.xml'), 'utf8')).toBe('not xml at all');
  });

  it('symlinks planted at the move targets in error/ and processed/ are neither replaced nor written through', async () => {
    prepare();
    const victim = join(tmp.path, 'victim.db');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(config.errorDir, 'bad.xml'));
    symlinkSync(victim, join(config.processedDir, 'good.xml'));
    await startSource();
    writeFileSync(join(config.path, 'bad.xml'), 'not xml');
    writeFileSync(join(config.path, 'good.xml'), envelopeOf(manyClaims(1, 'G')));
    await waitFor(() => list(config.processedDir).includes('good (2).xml') && reportOf('bad (2).xml.error.txt'), { what: 'files moved' });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(config.errorDir, 'bad.xml')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(config.processedDir, 'good.xml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(config.errorDir, 'bad (2).xml'), 'utf8')).toBe('not xml');
    expect(readFileSync(join(config.processedDir, 'good (2).xml'), 'utf8')).toBe(envelopeOf(manyClaims(1, 'G')));
  });
});

describe('report text and refused content', () => {
  it('a name with newlines and escapes cannot forge report lines', async () => {
    prepare();
    await startSource();
    const name = 'x.xml\nLỗi - Error [NONE]: all fine\u001b[2J\u202egpj.xml';
    writeFileSync(join(config.path, name), 'not xml');
    const report = await waitFor(() => list(config.errorDir).find((f) => f.endsWith('.error.txt') && reportOf(f)), { what: 'report' });
    const lines = reportOf(report).split('\n');
    expect(lines[0]).toBe('Tệp / File: x.xml\\nLỗi - Error [NONE]: all fine\\u001b[2J\\u202egpj.xml');
    expect(lines.filter((l) => l.startsWith('Lỗi - Error'))).toHaveLength(0);
    expect(printableName('a\\b\r\t\u2028')).toBe('a\\\\b\\r\\t\\u2028');
  });

  it('an envelope without any HOSO, or with a huge text outside the records, goes to error/, not processed/', async () => {
    prepare();
    await startSource();
    writeFileSync(join(config.path, 'empty.xml'), envelopeOf([]));
    const stray = 'A'.repeat(17 * 1024 * 1024);
    writeFileSync(join(config.path, 'stray.xml'), envelopeOf(manyClaims(1, 'ST')).replace('<THONGTINHOSO>', `<THONGTINHOSO><GHICHU>${stray}</GHICHU>`));
    await waitFor(() => reportOf('empty.xml.error.txt') && reportOf('stray.xml.error.txt'), { what: 'both refused', timeoutMs: 30_000 });
    expect(readFileSync(join(config.errorDir, 'empty.xml.error.txt'), 'utf8')).toMatch(/\[ENVELOPE_NO_RECORD\]: Tệp hồ sơ không chứa hồ sơ \(HOSO\) nào\.\n  Error: the file holds no HOSO record/);
    expect(readFileSync(join(config.errorDir, 'stray.xml.error.txt'), 'utf8')).toMatch(/\[ENVELOPE_RECORD_TOO_LARGE\][^\n]*\n  Error: .*one XML item \(text, tag or comment\) is larger than 16777216 characters/);
    expect(list(config.processedDir)).toEqual([]);
    expect(store.messageCounts().received).toBe(0);
  });
});

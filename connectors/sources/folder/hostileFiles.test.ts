// Hostile and unlucky files in the watched folder (docs/security.md): odd names never make the
// agent write outside processed/ and error/; oversize files are refused unread with the reason;
// a full disk leaves the file in the inbox and the source in error with the reason, the
// database intact, and the file is taken in once there is room again.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Store } from '../../../main/store/store.js';
import { fillDisk } from '../../../main/store/diskFull.js';
import { readDb } from '../../../test/support/dbOracle.js';
import { createLogger } from '../../../main/log.js';
import type { FolderSourceConfig } from '../../../main/config/schema.js';
import { FolderSource } from './folderSource.js';
import { freeNameIn, safeFileName } from './fileNames.js';
import { envelopeOf, manyClaims } from '../../../test/support/claimXml.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { waitFor } from '../../../test/support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let source: FolderSource;
let config: FolderSourceConfig;

async function startSource(extra: Partial<FolderSourceConfig> = {}) {
  tmp = tempDir('vhr-hostile-');
  store = Store.open(join(tmp.path, 'data', 'agent.db'));
  const inbox = join(tmp.path, 'inbox');
  config = { id: 'his', type: 'folder', path: inbox, format: 'auto', quietMs: 30, processedDir: join(inbox, 'processed'), errorDir: join(inbox, 'error'), commitEvery: 2, ...extra };
  source = new FolderSource({ config, store, logger: createLogger(), retryMs: 40 });
  await source.start();
}
afterEach(async () => {
  await source?.stop();
  store?.close();
  tmp?.cleanup();
});

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(relative(tmp.path, p));
  }
  return out;
}

describe('file names', () => {
  it('a name is always one plain component: no separators, dots, control characters, device names or overlong names', () => {
    expect(['../../etc/passwd', '..\\..\\win.ini', 'C:\\Windows\\x.xml', '/abs/x.xml', '..', 'con.xml', 'NUL', 'LPT1.hl7', 'a\u0000b\u001f\u007f.xml', 'what?<>|*".xml', 'trail. '].map(safeFileName)).toEqual([
      'passwd', 'win.ini', 'x.xml', 'x.xml', '__', '_con.xml', '_NUL', '_LPT1.hl7', 'a_b__.xml', 'what______.xml', 'trail__',
    ]);
    const long = safeFileName(`${'Nguyễn Văn An '.repeat(30)}.xml`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith('.xml')).toBe(true);
    expect(freeNameIn('/srv/error', '../../etc/cron.d/x')).toBe('/srv/error/x');
  });

  it('odd names in the inbox end in processed/ or error/ (with their .error.txt), nowhere else', async () => {
    await startSource();
    const good = envelopeOf(manyClaims(1, 'NM'));
    const names: Record<string, string> = {
      'a\\..\\..\\evil.xml': good,
      'C:\\Windows\\System32\\evil.xml': 'not xml at all',
      'con.xml': envelopeOf(manyClaims(1, 'CN')),
      NUL: 'MSH|^~\\&|broken',
      'ctrl\u0001\u001b[31m.xml': envelopeOf(manyClaims(1, 'CT')),
      [`${'x'.repeat(240)}.xml`]: '<GIAMDINHHS><HOSO>',
      'tên tệp tiếng Việt.xml': envelopeOf(manyClaims(1, 'VN')),
    };
    for (const [name, body] of Object.entries(names)) writeFileSync(join(config.path, name), body);
    await waitFor(() => list(config.path).filter((f) => f !== 'processed' && f !== 'error').length === 0, { what: 'inbox emptied', timeoutMs: 10_000 });
    await source.idle();

    const files = walk(tmp.path).filter((f) => !f.startsWith('data'));
    expect(files.every((f) => f.startsWith(`inbox/processed/`) || f.startsWith(`inbox/error/`)), files.join('\n')).toBe(true);
    expect(list(config.processedDir)).toEqual(['_con.xml', 'ctrl__[31m.xml', 'evil.xml', 'tên tệp tiếng Việt.xml'].sort());
    const errors = list(config.errorDir);
    expect(errors.filter((f) => !f.endsWith('.error.txt'))).toEqual([`${'x'.repeat(196)}.xml`, '_NUL', 'evil.xml'].sort());
    for (const f of errors.filter((e) => !e.endsWith('.error.txt'))) expect(readFileSync(join(config.errorDir, `${f}.error.txt`), 'utf8')).toMatch(/^Tệp \/ File: .*\n(Lỗi|Hồ sơ số 1 \(dòng \d+\)) \[[A-Z0-9_]+\]/);
    expect(existsSync(join(tmp.path, 'evil.xml')) || existsSync(join(tmp.path, '..', 'evil.xml'))).toBe(false);
    // Four claim records, and the broken HL7v2 message kept as invalid for review.
    expect(store.messageCounts()).toEqual({ received: 5, converted: 0, invalid: 1 });
  });
});

describe('oversize files', () => {
  it('are refused unread: moved to error/ with FILE_TOO_LARGE and the limit', async () => {
    await startSource({ maxFileBytes: 4096 });
    writeFileSync(join(config.path, 'huge.xml'), envelopeOf(manyClaims(40)));
    writeFileSync(join(config.path, 'small.xml'), envelopeOf(manyClaims(1, 'SM')));
    await waitFor(() => list(config.errorDir).includes('huge.xml.error.txt') && list(config.processedDir).includes('small.xml'), { what: 'files handled' });
    expect(readFileSync(join(config.errorDir, 'huge.xml.error.txt'), 'utf8')).toMatch(/\[FILE_TOO_LARGE\]: Tệp lớn quá mức cho phép.*\n {2}Error: the file is \d+ bytes, above this source's limit of 4096 bytes \(maxFileBytes\)/);
    expect(store.listMessages(10).map((m) => m.naturalKey)).toEqual(['94170|SM0001']);
  });
});

describe('disk full during intake', () => {
  it('keeps the file in the inbox, shows the reason, corrupts nothing, and recovers when there is room', async () => {
    await startSource();
    writeFileSync(join(config.path, 'first.xml'), envelopeOf(manyClaims(2, 'A')));
    await waitFor(() => list(config.processedDir).includes('first.xml'));
    // The database may not grow by a single page: every write that needs room fails with SQLITE_FULL.
    const full = fillDisk(store);

    writeFileSync(join(config.path, 'second.xml'), envelopeOf(manyClaims(50, 'B')));
    const status = await waitFor(() => (source.status().state === 'error' ? source.status() : null), { what: 'source in error' });
    expect(status.detail).toMatch(/^cannot take in second\.xml \(SQLITE_FULL: database or disk is full\); it stays in the inbox and is tried again in \d+ s$/);
    expect(list(config.path)).toContain('second.xml');
    expect(list(config.processedDir)).toEqual(['first.xml']);
    expect(readDb(store.path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
    expect(store.listMessages(100).map((m) => m.naturalKey)).toEqual(['94170|A0002', '94170|A0001']);

    full.release();
    await waitFor(() => list(config.processedDir).includes('second.xml'), { what: 'second file taken in after the fault' });
    expect(source.status()).toMatchObject({ state: 'watching', detail: undefined });
    expect(store.messageCounts().received).toBe(52);
    expect(readDb(store.path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  });
});

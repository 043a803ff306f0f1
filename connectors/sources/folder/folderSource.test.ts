import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../../main/store/store.js';
import { createLogger } from '../../../main/log.js';
import type { FolderSourceConfig } from '../../../main/config/schema.js';
import { FolderSource } from './folderSource.js';
import { isIgnoredFileName } from './fileNames.js';
import { envelopeOf, manyClaims } from '../../../test/support/claimXml.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { waitFor } from '../../../test/support/waitFor.js';
import { readSharedSample } from '../../../test/support/sharedSamples.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let source: FolderSource;
let config: FolderSourceConfig;

beforeEach(async () => {
  tmp = tempDir('vhr-folder-');
  store = Store.open(join(tmp.path, 'agent.db'));
  const inbox = join(tmp.path, 'inbox');
  config = { id: 'his', type: 'folder', path: inbox, format: 'xml130', quietMs: 150, processedDir: join(inbox, 'processed'), errorDir: join(inbox, 'error'), commitEvery: 2 };
  source = new FolderSource({ config, store, logger: createLogger() });
  await source.start();
});
afterEach(async () => {
  await source.stop();
  store.close();
  tmp.cleanup();
});

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const keys = () => store.listMessages(1000).map((m) => m.naturalKey).sort();

describe('watched folder', () => {
  it('commits every HOSO of a file, then moves it to processed/', async () => {
    writeFileSync(join(config.path, 'export-1.xml'), envelopeOf(manyClaims(5)));
    // The move is a link then an unlink (never replacing anything in processed/): wait for both.
    await waitFor(() => files(config.processedDir).length === 1 && files(config.path).length === 2, { what: 'file processed' });
    expect(files(config.processedDir)).toEqual(['export-1.xml']);
    expect(files(config.path)).toEqual(['error', 'processed']);
    expect(keys()).toEqual(['94170|LK0001', '94170|LK0002', '94170|LK0003', '94170|LK0004', '94170|LK0005']);
    expect(store.messageCounts()).toEqual({ received: 5, converted: 0, invalid: 0 });
  });

  it('sends malformed files to error/ with the reason, while good files keep flowing', async () => {
    const good = envelopeOf(manyClaims(2, 'OK'));
    const full = envelopeOf(manyClaims(3, 'TR'));
    const badB64 = envelopeOf([{ maLk: 'B1' }, { maLk: 'B2', rawXml1Base64: 'PFRPTkdfSE9Q*' }, { maLk: 'B3' }]);
    const cases: Record<string, string | Buffer> = {
      'truncated.xml': full.slice(0, full.lastIndexOf('<HOSO>') + 30),
      'bad-base64.xml': badB64,
      'empty.xml': '',
      'not-xml.xml': 'MA_LK,HO_TEN\r\n1,NGUYEN VAN A\r\n',
      'wrong-root.xml': '<?xml version="1.0"?><TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>',
      'latin1.xml': Buffer.concat([Buffer.from('<GIAMDINHHS><THONGTINDONVI><MACSKCB>'), Buffer.from([0xe0, 0x20]), Buffer.from('</MACSKCB></THONGTINDONVI></GIAMDINHHS>')]),
      'good.xml': good,
    };
    for (const [name, body] of Object.entries(cases)) writeFileSync(join(config.path, name), body);
    // A rejected file is moved first, then its report written beside it: wait for both.
    await waitFor(() => files(config.processedDir).length + files(config.errorDir).filter((f) => !f.endsWith('.txt')).length === 7, { what: 'all files handled' });
    await waitFor(() => files(config.errorDir).filter((f) => f.endsWith('.error.txt')).length === 6, { what: 'every rejected file reported' });

    expect(files(config.processedDir)).toEqual(['good.xml']);
    const reason = (name: string) => readFileSync(join(config.errorDir, `${name}.error.txt`), 'utf8');
    expect(reason('truncated.xml')).toMatch(/^Tệp \/ File: truncated.xml\nLỗi \[ENVELOPE_TRUNCATED\] \(dòng 1, cột \d+\): Tệp bị cắt ngang.*\n {2}Error: the file ends before the XML is complete/);
    expect(reason('truncated.xml')).toMatch(/\nCần làm: Kiểm tra lại trên phần mềm HIS và xuất lại tệp/);
    expect(reason('truncated.xml')).toMatch(/2 readable record\(s\) of this file were kept/);
    expect(reason('bad-base64.xml')).toMatch(/Hồ sơ số 2 \(dòng 1\) \[BAD_BASE64\]: Nội dung một bảng của hồ sơ không đọc được.*\n {2}Record #2: XML1: NOIDUNGFILE is not base64: character "\*" at position 12/);
    expect(reason('empty.xml')).toMatch(/\[ENVELOPE_EMPTY\][^:\n]*: Tệp rỗng.*\n {2}Error: the file is empty/);
    expect(reason('not-xml.xml')).toMatch(/\[ENVELOPE_NOT_XML\][^:\n]*: Tệp không phải XML.*\n.*not XML/);
    expect(reason('wrong-root.xml')).toMatch(/\[ENVELOPE_WRONG_ROOT\][^\n]*\n.*<TONG_HOP>, expected <GIAMDINHHS>/);
    expect(reason('latin1.xml')).toMatch(/\[ENVELOPE_ENCODING\][^:\n]*: Tệp không đúng bảng mã UTF-8.*\n.*not valid UTF-8/);
    // Nothing lost: good records of damaged files are kept; the bad one is stored, invalid, with its bytes.
    expect(keys().filter(Boolean)).toEqual(['94170|B1', '94170|B3', '94170|OK0001', '94170|OK0002', '94170|TR0001', '94170|TR0002']);
    const bad = store.listMessages(1000).find((m) => m.state === 'invalid')!;
    expect([bad.errorCode, bad.naturalKey]).toEqual(['BAD_BASE64', null]);
    expect(store.messageDetail(bad.id)!.raw!.toString()).toContain('PFRPTkdfSE9Q*');
  });

  it('reads a slowly written file once, complete', async () => {
    const xml = envelopeOf(manyClaims(6, 'SL'));
    const path = join(config.path, 'slow.xml');
    const parts = 6;
    const step = Math.ceil(xml.length / parts);
    for (let i = 0; i < parts; i++) {
      appendFileSync(path, xml.slice(i * step, (i + 1) * step));
      await new Promise((r) => setTimeout(r, 40)); // the writer's pace, shorter than quietMs
    }
    await waitFor(() => files(config.processedDir).includes('slow.xml'), { what: 'slow file processed' });
    expect(keys()).toEqual(['SL0001', 'SL0002', 'SL0003', 'SL0004', 'SL0005', 'SL0006'].map((k) => `94170|${k}`));
    expect(files(config.errorDir)).toEqual([]);
  });

  it('waits for a writer that pauses longer than the quiet time, and keeps no duplicate', async () => {
    const xml = envelopeOf(manyClaims(4, 'PA'));
    const path = join(config.path, 'paused.xml');
    const half = xml.split('<HOSO>', 3).join('<HOSO>').length; // start of the third HOSO
    writeFileSync(path, xml.slice(0, half + 20));
    // The first half is read (2 records kept), the file looks truncated but stays in place.
    await waitFor(() => store.messageCounts().received === 2, { what: 'first half read' });
    appendFileSync(path, xml.slice(half + 20));
    await waitFor(() => files(config.processedDir).includes('paused.xml'), { what: 'completed file processed' });
    expect(keys()).toEqual(['PA0001', 'PA0002', 'PA0003', 'PA0004'].map((k) => `94170|${k}`));
    expect(files(config.errorDir)).toEqual([]);
  });

  it('re-reading a file already committed adds nothing', async () => {
    const xml = envelopeOf(manyClaims(3, 'RE'));
    writeFileSync(join(config.path, 'a.xml'), xml);
    await waitFor(() => files(config.processedDir).includes('a.xml'));
    writeFileSync(join(config.path, 'a-copy.xml'), xml);
    await waitFor(() => files(config.processedDir).includes('a-copy.xml'));
    expect(store.messageCounts().received).toBe(3);
  });

  it('ignores temporary, hidden and editor files', () => {
    expect(['x.xml.tmp', '~x.xml', '.x.xml', 'x.part', 'x.xml.crdownload', 'x.xml.error.txt', 'Thumbs.db'].map(isIgnoredFileName)).toEqual(Array(7).fill(true));
    expect(['BV94170_20260223.xml', 'adt.hl7', 'x.tmp.xml'].map(isIgnoredFileName)).toEqual([false, false, false]);
  });
});

describe('watched folder with HL7v2 files', () => {
  it('stores each message of an HL7v2 file through the MLLP intake path, and refuses a broken one with its reason', async () => {
    await source.stop();
    source = new FolderSource({ config: { ...config, id: 'lab-files', format: 'auto' }, store, logger: createLogger() });
    await source.start();
    const hl7 = (name: string) => readSharedSample('hl7v2', name);
    writeFileSync(join(config.path, 'adt-a01.hl7'), hl7('ADT-A01-01.hl7'));
    writeFileSync(join(config.path, 'two.hl7'), Buffer.concat([hl7('SIU-S12-01.hl7'), Buffer.from('\n'), hl7('ORU-R01-01.hl7')]));
    writeFileSync(join(config.path, 'broken.hl7'), hl7('lfh-sample_unix.hl7'));
    writeFileSync(join(config.path, 'claims.xml'), envelopeOf(manyClaims(2, 'MX')));
    await waitFor(() => files(config.processedDir).length === 3 && files(config.errorDir).length === 2, { what: 'all files handled' });
    expect(files(config.processedDir)).toEqual(['adt-a01.hl7', 'claims.xml', 'two.hl7']);
    const rows = store.listMessages(100);
    expect(rows.filter((m) => m.format === 'hl7v2').map((m) => m.state).sort()).toEqual(['invalid', 'received', 'received', 'received']);
    expect(rows.filter((m) => m.format === 'xml130')).toHaveLength(2);
    expect(readFileSync(join(config.errorDir, 'broken.hl7.error.txt'), 'utf8')).toMatch(/Hồ sơ số 1 .*\[HL7V2_BAD_ENCODING_CHARACTERS\]: Bản tin HL7v2 có ký tự phân cách/);
    // The same file again: every message is a duplicate of what is stored.
    writeFileSync(join(config.path, 'adt-again.hl7'), hl7('ADT-A01-01.hl7'));
    await waitFor(() => files(config.processedDir).includes('adt-again.hl7'));
    expect(store.listMessages(100).filter((m) => m.format === 'hl7v2')).toHaveLength(4);
  });
});

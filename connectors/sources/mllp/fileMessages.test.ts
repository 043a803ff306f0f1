import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../main/store/store.js';
import { readAck } from './ack.js';
import { encodeFrame } from './framing.js';
import { ingestHl7File, splitHl7File } from './fileMessages.js';
import { Hl7Intake } from './intake.js';
import { readSharedSample } from '../../../test/support/sharedSamples.js';


describe('splitHl7File', () => {
  it('keeps a single LF-separated sample byte for byte (minus BOM and trailing newline)', () => {
    const raw = readSharedSample('hl7v2', 'ADT-A40-01.hl7');
    const [only, ...rest] = splitHl7File(raw);
    expect(rest).toEqual([]);
    expect(only!.toString('utf8')).toBe(raw.toString('utf8').replace(/\n+$/, ''));
  });

  it('splits several messages, drops batch envelopes and MLLP framing', () => {
    const a = 'MSH|^~\\&|A|B|C|D|20260301||ADT^A01|F1|P|2.5\r\nPID|1||1^^^H^MR';
    const b = 'MSH|^~\\&|A|B|C|D|20260301||ADT^A08|F2|P|2.5\rPID|1||1^^^H^MR';
    const file = Buffer.concat([Buffer.from(`FHS|^~\\&\nBHS|^~\\&\n${a}\r\n`), encodeFrame(b), Buffer.from('\nBTS|2\nFTS|1\n')]);
    expect(splitHl7File(file).map((m) => m.toString())).toEqual([a, b]);
  });
});

describe('ingestHl7File', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vhr-hl7file-'));
    store = Store.open(join(dir, 'agent.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each message through the MLLP intake, with the same dedupe on MSH-10', async () => {
    const intake = new Hl7Intake({ sourceId: 'his-folder', store });
    const file = readSharedSample('hl7v2', 'ADT01-23.hl7');
    const first = await ingestHl7File(intake, file);
    expect(first.map((r) => [r.outcome, readAck(r.ack!).code, r.controlId])).toEqual([['stored', 'AA', '599102']]);
    const again = await ingestHl7File(intake, file);
    expect(again.map((r) => r.outcome)).toEqual(['duplicate']);
    expect(store.listMessages(10).map((m) => [m.sourceId, m.naturalKey])).toEqual([['his-folder', '599102']]);
  });
});

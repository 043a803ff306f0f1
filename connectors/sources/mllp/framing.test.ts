import { describe, expect, it } from 'vitest';
import { CR, encodeFrame, FS, MllpDecoder, VT, type FrameEvent } from './framing.js';

const frames = (events: FrameEvent[]): string[] => events.flatMap((e) => (e.kind === 'frame' ? [e.payload.toString('latin1')] : []));

describe('MllpDecoder', () => {
  it('decodes one frame in one chunk', () => {
    const d = new MllpDecoder(1000);
    expect(frames(d.push(encodeFrame('MSH|a')))).toEqual(['MSH|a']);
    expect(d.pendingBytes).toBe(0);
  });

  it('reassembles a frame split at every byte, including between FS and CR', () => {
    const d = new MllpDecoder(1000);
    const wire = encodeFrame('MSH|^~\\&|split');
    const out: FrameEvent[] = [];
    for (const byte of wire) out.push(...d.push(Buffer.from([byte])));
    expect(frames(out)).toEqual(['MSH|^~\\&|split']);
    expect(out.filter((e) => e.kind === 'junk')).toEqual([]);
  });

  it('yields several frames carried by one chunk, in order', () => {
    const d = new MllpDecoder(1000);
    const wire = Buffer.concat([encodeFrame('one'), encodeFrame('two'), encodeFrame('three')]);
    expect(frames(d.push(wire))).toEqual(['one', 'two', 'three']);
  });

  it('drops junk between frames and reports how many bytes', () => {
    const d = new MllpDecoder(1000);
    const wire = Buffer.concat([Buffer.from('noise\r\n'), encodeFrame('one'), Buffer.from('xx'), encodeFrame('two')]);
    const out = d.push(wire);
    expect(frames(out)).toEqual(['one', 'two']);
    expect(out.filter((e) => e.kind === 'junk')).toEqual([
      { kind: 'junk', bytes: 7 },
      { kind: 'junk', bytes: 2 },
    ]);
  });

  it('accepts a frame ended by FS without the CR', () => {
    const d = new MllpDecoder(1000);
    const wire = Buffer.from([VT, 0x41, FS, VT, 0x42, FS, CR]);
    expect(frames(d.push(wire))).toEqual(['A', 'B']);
  });

  it('discards an unfinished frame when a new start block arrives', () => {
    const d = new MllpDecoder(1000);
    const out = d.push(Buffer.concat([Buffer.from([VT]), Buffer.from('half'), encodeFrame('whole')]));
    expect(frames(out)).toEqual(['whole']);
    expect(out).toContainEqual({ kind: 'junk', bytes: 4 });
  });

  it('reports an oversize frame with its size and head, and recovers for the next frame', () => {
    const d = new MllpDecoder(10);
    const big = 'MSH|^~\\&|' + 'x'.repeat(50);
    const out = [...d.push(encodeFrame(big).subarray(0, 20)), ...d.push(Buffer.concat([encodeFrame(big).subarray(20), encodeFrame('ok')]))];
    const over = out.find((e) => e.kind === 'oversize');
    expect(over).toMatchObject({ kind: 'oversize', size: big.length });
    expect(over?.kind === 'oversize' && over.head.toString('latin1').startsWith('MSH|^~\\&|')).toBe(true);
    expect(frames(out)).toEqual(['ok']);
  });
});

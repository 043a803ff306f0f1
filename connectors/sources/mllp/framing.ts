// MLLP framing (HL7 v2 Minimal Lower Layer Protocol): <VT> payload <FS><CR>.
// A TCP stream cuts frames anywhere: one frame may span many chunks and one chunk may
// carry many frames, with stray bytes between them. The decoder is a small state machine
// over those chunks; it never holds more than `maxPayloadBytes` of one frame.

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export function encodeFrame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(body.length + 3);
  frame[0] = VT;
  body.copy(frame, 1);
  frame[body.length + 1] = FS;
  frame[body.length + 2] = CR;
  return frame;
}

export type FrameEvent =
  | { kind: 'frame'; payload: Buffer }
  /** A frame larger than the limit: only its first bytes are kept, enough to read MSH. */
  | { kind: 'oversize'; size: number; head: Buffer }
  /** Bytes outside any frame (or an unfinished frame cut by a new VT), dropped. */
  | { kind: 'junk'; bytes: number };

/** Bytes of an oversize frame kept so that its MSH segment can still be read for the NACK. */
const OVERSIZE_HEAD_BYTES = 4096;

export class MllpDecoder {
  private inFrame = false;
  /** True right after FS: the CR that should follow is framing, not junk. */
  private expectCr = false;
  private parts: Buffer[] = [];
  private size = 0;
  /** Bytes actually kept in `parts` (an oversize frame keeps only its head). */
  private held = 0;
  private oversize = false;

  constructor(private readonly maxPayloadBytes: number) {}

  /** Bytes of the frame currently being received (0 between frames). */
  get pendingBytes(): number {
    return this.inFrame ? this.size : 0;
  }

  /** Bytes this decoder holds in memory now: what counts against the listener's total budget. */
  get heldBytes(): number {
    return this.held;
  }

  /** Drops whatever is held (the connection is gone): the memory is free at once. */
  release(): void {
    this.inFrame = false;
    this.parts = [];
    this.size = 0;
    this.held = 0;
    this.oversize = false;
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const vt = chunk.indexOf(VT, i);
        const stop = vt === -1 ? chunk.length : vt;
        let junk = stop - i;
        if (this.expectCr && junk > 0 && chunk[i] === CR) junk -= 1;
        if (stop > i) this.expectCr = false;
        if (junk > 0) events.push({ kind: 'junk', bytes: junk });
        if (vt === -1) break;
        this.startFrame();
        this.expectCr = false;
        i = vt + 1;
        continue;
      }
      const fs = chunk.indexOf(FS, i);
      const vt = chunk.indexOf(VT, i);
      let stop = fs === -1 ? chunk.length : fs;
      if (vt !== -1 && vt < stop) stop = vt;
      this.append(chunk.subarray(i, stop));
      if (stop === chunk.length) break;
      if (chunk[stop] === VT) {
        // A new start block before the end block: the sender gave up on the previous frame.
        if (this.size > 0) events.push({ kind: 'junk', bytes: this.size });
        this.startFrame();
      } else {
        events.push(this.finishFrame());
        this.expectCr = true;
      }
      i = stop + 1;
    }
    return events;
  }

  private startFrame(): void {
    this.inFrame = true;
    this.parts = [];
    this.size = 0;
    this.held = 0;
    this.oversize = false;
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.oversize) return;
    // A copy: a slice would pin the whole socket chunk it came from, so memory would not match the count.
    this.parts.push(Buffer.from(part));
    this.held += part.length;
    if (this.size > this.maxPayloadBytes) {
      // Keep only a head for the NACK; the rest of the frame is counted, not stored.
      this.oversize = true;
      this.parts = [Buffer.from(Buffer.concat(this.parts).subarray(0, OVERSIZE_HEAD_BYTES))];
      this.held = this.parts[0]!.length;
    }
  }

  private finishFrame(): FrameEvent {
    this.inFrame = false;
    const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.held = 0;
    if (this.oversize) return { kind: 'oversize', size: this.size, head: body };
    return { kind: 'frame', payload: body };
  }
}

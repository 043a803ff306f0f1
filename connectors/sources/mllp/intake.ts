// One HL7v2 message from arrival to the ACK that may be sent for it, without sockets: the
// MLLP listener and the HL7v2 file path both go through here. The order is the point:
// dedupe, decide, COMMIT, and only then return the ACK to send (DESIGN §4.1).
import type { Hl7AckLedger, IntakeSink, SharedCommit } from '../../../main/store/ports.js';
import { decodeHl7 } from '../../formats/hl7v2/charset.js';
import { parseHl7Text, readHeaderFields, normaliseSegmentEnds, type Hl7Header } from '../../formats/hl7v2/parse.js';
import { AckCode, buildAck, Hl7ErrorCode } from './ack.js';

export type AckMode = 'original' | 'enhanced';

/** Longest wait for the store's write lock before a message is answered "send again later". */
const LOCK_WAIT_MS = 5_000;

export interface IntakeOptions {
  sourceId: string;
  store: IntakeSink;
  /** Per-source character set; wins over MSH-18. */
  charset?: string;
  /** MSH-11 values accepted (e.g. ['P']); others are refused with AR. Unset = all. */
  acceptProcessingIds?: readonly string[];
  ackMode?: AckMode;
  clock?: () => Date;
  /**
   * Called after every decision and before the commit. Tests hold it to stop the agent
   * between receive and commit; nothing else should need it.
   */
  beforeCommit?: (controlId: string) => void | Promise<void>;
}

export const IntakeOutcome = {
  stored: 'stored',
  storedInvalid: 'stored_invalid',
  duplicate: 'duplicate',
  refused: 'refused',
  aborted: 'aborted',
  storeFailed: 'store_failed',
} as const;
export type IntakeOutcome = (typeof IntakeOutcome)[keyof typeof IntakeOutcome];

export interface IntakeResult {
  outcome: IntakeOutcome;
  /** ACK text to send; absent when nothing may be sent (aborted before commit). */
  ack?: string;
  /** Stored application ACK to send again on a duplicate (enhanced mode). */
  appAck?: string;
  ackCode?: AckCode;
  messageId?: number;
  controlId: string;
  /** Why the store refused the write (storeFailed only), e.g. `SQLITE_FULL: database or disk is full`. */
  storeError?: string;
}

/** What the pipeline learned converting a message: enough to answer the sender. */
export type ApplicationOutcome = { ok: true } | { ok: false; code: string; message: string };

/** Signal that the agent is stopping: pending messages must not commit or be acknowledged. */
export interface AbortFlag {
  readonly aborted: boolean;
}

export class Hl7Intake {
  readonly acks: Hl7AckLedger;
  /** Shared by every connection of the listener: concurrent messages share one fsync. */
  readonly committer: SharedCommit;
  private readonly clock: () => Date;
  private readonly ackMode: AckMode;
  private refusedSeq = 0;

  constructor(private readonly opts: IntakeOptions) {
    this.acks = opts.store.hl7Acks();
    // While the agent's own connection commits (conversions, deliveries), wait for the lock in
    // short steps: an ACK waits as long as the lock is held, not up to SQLite's 100 ms sleeps.
    this.committer = opts.store.groupCommit({ lockWaitMs: LOCK_WAIT_MS });
    this.clock = opts.clock ?? (() => new Date());
    this.ackMode = opts.ackMode ?? 'original';
  }

  async receive(raw: Buffer, abort?: AbortFlag): Promise<IntakeResult> {
    const decoded = decodeHl7(raw, this.opts.charset);
    const parsed = parseHl7Text(decoded.text);
    const header = readHeaderFields(normaliseSegmentEnds(decoded.text));
    const controlId = parsed.ok ? parsed.header.controlId : parsed.controlId;

    if (controlId) {
      const seen = this.acks.find(this.opts.sourceId, controlId);
      if (seen) {
        return { outcome: IntakeOutcome.duplicate, ack: seen.ack, appAck: seen.appAck ?? undefined, messageId: seen.messageId, controlId };
      }
    }

    if (parsed.ok && !this.processingIdAccepted(parsed.header)) {
      const ackCode = this.ackMode === 'enhanced' ? AckCode.CR : AckCode.AR;
      const ack = buildAck({
        header,
        code: ackCode,
        ackControlId: `R${this.clock().getTime()}-${++this.refusedSeq}`,
        now: this.clock(),
        text: 'refused: processing id not accepted',
        error: {
          code: Hl7ErrorCode.unsupportedProcessingId,
          location: 'MSH^1^11',
          message: `processing id "${parsed.header.processingId}" is not accepted by this source (accepted: ${this.opts.acceptProcessingIds!.join(', ')})`,
        },
      });
      return { outcome: IntakeOutcome.refused, ack, ackCode, controlId };
    }

    await this.opts.beforeCommit?.(controlId);
    if (abort?.aborted) return { outcome: IntakeOutcome.aborted, controlId };

    const now = this.clock();
    const ackCode = parsed.ok ? (this.ackMode === 'enhanced' ? AckCode.CA : AckCode.AA) : this.ackMode === 'enhanced' ? AckCode.CE : AckCode.AE;
    const invalid = parsed.ok ? undefined : { code: parsed.code, message: parsed.message };
    try {
      const result = await this.committer.run(() => {
        // Checked again inside the transaction: another connection may have committed the
        // same MSH-10 while this one waited.
        const raced = controlId ? this.acks.find(this.opts.sourceId, controlId) : undefined;
        if (raced) return { kind: 'duplicate' as const, seen: raced };
        const inserted = this.opts.store.insertMessage(
          { sourceId: this.opts.sourceId, format: 'hl7v2', raw, naturalKey: controlId || null, invalid },
          now.getTime(),
        );
        const text = buildAck({
          header,
          code: ackCode,
          ackControlId: `A${inserted.id}`,
          now,
          text: parsed.ok ? undefined : 'stored, but the message cannot be parsed',
          error: parsed.ok
            ? undefined
            : {
                code: parsed.field === 'MSH-10' || parsed.field === 'MSH-9' ? Hl7ErrorCode.requiredFieldMissing : Hl7ErrorCode.segmentSequence,
                location: parsed.field,
                message: `${parsed.code}: ${parsed.message}`,
              },
        });
        if (controlId && !inserted.duplicate) this.acks.record(this.opts.sourceId, controlId, inserted.id, text, now.getTime());
        return { kind: 'stored' as const, id: inserted.id, ack: text };
      });
      if (result.kind === 'duplicate') {
        const d = result.seen;
        return { outcome: IntakeOutcome.duplicate, ack: d.ack, appAck: d.appAck ?? undefined, messageId: d.messageId, controlId };
      }
      // Enhanced mode honours MSH-15: NE (never) and ER (only on error) want no CA.
      const silent = this.ackMode === 'enhanced' && parsed.ok && (parsed.header.acceptAckType === 'NE' || parsed.header.acceptAckType === 'ER');
      return {
        outcome: parsed.ok ? IntakeOutcome.stored : IntakeOutcome.storedInvalid,
        ack: silent ? undefined : result.ack,
        ackCode,
        messageId: result.id,
        controlId,
      };
    } catch (err) {
      // Not committed: say so explicitly so the sender keeps the message and retries.
      const failCode = this.ackMode === 'enhanced' ? AckCode.CR : AckCode.AR;
      const ack = buildAck({
        header,
        code: failCode,
        ackControlId: `R${now.getTime()}-${++this.refusedSeq}`,
        now,
        text: 'not stored, send again later',
        error: { code: Hl7ErrorCode.internalError, message: `storage failed: ${(err as Error).message}` },
      });
      const code = (err as { code?: unknown }).code;
      return { outcome: IntakeOutcome.storeFailed, ack, ackCode: failCode, controlId, storeError: `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message}` };
    }
  }

  /**
   * Enhanced mode, after conversion: the application ACK of a stored message (AA when it
   * converted, AE with the reason when not), recorded so that a re-send gets it again.
   * Returns undefined when MSH-16 asks for none in this case (NE; ER on success; SU on error)
   * or when the message did not come through this intake.
   */
  applicationAck(messageId: number, outcome: ApplicationOutcome): string | undefined {
    const intake = this.acks.findByMessage(messageId);
    const raw = this.opts.store.rawOf(messageId);
    if (!intake || !raw) return undefined;
    const decoded = decodeHl7(raw, this.opts.charset);
    const parsed = parseHl7Text(decoded.text);
    const appAckType = parsed.ok ? parsed.header.appAckType : '';
    if (appAckType === 'NE' || (appAckType === 'ER' && outcome.ok) || (appAckType === 'SU' && !outcome.ok)) return undefined;
    const now = this.clock();
    const ack = buildAck({
      header: readHeaderFields(normaliseSegmentEnds(decoded.text)),
      code: outcome.ok ? AckCode.AA : AckCode.AE,
      ackControlId: `P${messageId}`,
      now,
      text: outcome.ok ? undefined : outcome.code,
      error: outcome.ok ? undefined : { code: Hl7ErrorCode.internalError, message: `${outcome.code}: ${outcome.message}` },
    });
    this.acks.setApplicationAck(messageId, ack);
    return ack;
  }

  private processingIdAccepted(header: Hl7Header): boolean {
    const accepted = this.opts.acceptProcessingIds;
    return !accepted || accepted.length === 0 || accepted.includes(header.processingId);
  }
}

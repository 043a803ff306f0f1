// Convert stage (DESIGN §4): received records → FHIR Bundle → base R4 validation → queued
// for every destination, or `invalid` with readable issues. Conversion is synchronous CPU
// work: done in small batches that yield to the event loop so sockets and the API stay live.
import type { Logger } from '../log.js';
import type { ConversionQueue } from '../store/ports.js';
import type { ConvertContext } from '../../connectors/formats/types.js';
import type { RecordQuality } from '../../connectors/formats/registry.js';
import { ConvertErrorCode, convertRecord } from '../engine/convertRecord.js';
import { storedFindings } from './claimFindings.js';

export { ConvertErrorCode, type RecordIssues } from '../engine/convertRecord.js';

export interface ConvertWorkerOptions {
  store: ConversionQueue;
  logger: Logger;
  context: () => ConvertContext;
  /** Destination ids a converted record is queued for. */
  destinations: () => string[];
  batchSize?: number;
  now?: () => number;
  /** Called after a batch converted, with the ids queued for delivery. */
  onConverted?: (ids: number[]) => void;
  /** Called for every record with its outcome (e.g. for HL7v2 application ACKs). */
  onOutcome?: (id: number, sourceId: string, outcome: { ok: true } | { ok: false; code: string; message: string }) => void;
}

export class ConvertWorker {
  private running = false;
  private pending = false;
  private loop?: Promise<void>;
  converted = 0;
  invalid = 0;

  constructor(private readonly opts: ConvertWorkerOptions) {}

  start(): void {
    this.running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Something was committed: convert it soon. */
  wake(): void {
    if (!this.running) return;
    this.pending = true;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      if (this.pending && this.running) this.wake();
    });
  }

  /** Resolves when nothing is left to convert. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private async run(): Promise<void> {
    // Never convert inside the caller's turn: the intake that woke us must first finish
    // (e.g. send its ACK) before any outcome of the conversion is reported.
    await new Promise((r) => setImmediate(r));
    while (this.running && this.pending) {
      this.pending = false;
      let afterId = 0;
      for (;;) {
        const n = this.convertBatch(afterId);
        if (n.count === 0) break;
        afterId = n.lastId;
        this.pending = true;
        await new Promise((r) => setImmediate(r));
        if (!this.running) return;
      }
    }
  }

  /** Converts one batch; returns how many records it handled. Public for the CLI and benchmarks. */
  convertBatch(afterId = 0): { count: number; lastId: number } {
    const { store, logger } = this.opts;
    const now = this.opts.now ?? Date.now;
    const batch = store.messagesToConvert(this.opts.batchSize ?? 50, afterId);
    const queued: number[] = [];
    const ctx = this.opts.context();
    const destinations = this.opts.destinations();
    for (const m of batch) {
      const result = convertRecord(m.format, m.raw, ctx, { validate: true });
      if (!result.ok) {
        if (result.code === ConvertErrorCode.converterCrashed) logger.error('converter failed', { message: m.id, format: m.format, error: result.message });
        store.markInvalid(m.id, result.code, result.message, result.issuesJson, now(), storedFindings(result.findingsJson));
        this.invalid++;
        this.opts.onOutcome?.(m.id, m.sourceId, { ok: false, code: result.code, message: result.message });
        continue;
      }
      const quality = result.qualityJson ? (JSON.parse(result.qualityJson) as RecordQuality) : undefined;
      // Claim-check findings ride along: stored with the outcome, never holding the record back.
      store.markConverted(m.id, result.bundleJson, result.issuesJson, result.entryCount, destinations, now(), result.orderKey, quality, storedFindings(result.findingsJson));
      queued.push(m.id);
      this.converted++;
      this.opts.onOutcome?.(m.id, m.sourceId, { ok: true });
    }
    if (queued.length) this.opts.onConverted?.(queued);
    return { count: batch.length, lastId: batch.length ? batch[batch.length - 1]!.id : afterId };
  }
}

// Convert stage (DESIGN §4, §4.9): received records → FHIR Bundle → base R4 validation → queued
// for every destination, or `invalid` with readable issues. Conversion, validation, quality and
// search fields run on the conversion threads (main/engine); this thread only reads batches,
// hands their bytes over and commits each batch's outcomes in one transaction, so the event
// loop that owns the sockets, the MLLP commits and the API is never held by a record.
import type { Logger } from '../log.js';
import type { ConversionQueue } from '../store/ports.js';
import type { ConversionResult, MessageToConvert } from '../store/types.js';
import type { SearchFields } from '../store/searchFields.js';
import type { ConvertContext, ProfilePack } from '../../connectors/formats/types.js';
import type { RecordQuality } from '../../connectors/formats/registry.js';
import { ConvertErrorCode, convertRecord } from '../engine/convertRecord.js';
import { recordTooLargeMessage } from '../engine/errorCodes.js';
import { storedFindings } from './claimFindings.js';
import { ConversionEngine, type EngineOptions, type EngineResult } from '../engine/pool.js';
import { RecordOutputName } from '../engine/recordOutputs.js';

export { ConvertErrorCode, type RecordIssues } from '../engine/convertRecord.js';

export interface ConvertWorkerOptions {
  store: ConversionQueue;
  logger: Logger;
  context: () => ConvertContext;
  /** Destination ids a converted record is queued for. */
  destinations: () => string[];
  /** Records read and handed over at once (default: 50 in-process, 4 per thread on the engine). */
  batchSize?: number;
  now?: () => number;
  /** Called after a batch converted, with the ids queued for delivery. */
  onConverted?: (ids: number[]) => void;
  /** Called for every record with its outcome (e.g. for HL7v2 application ACKs). */
  onOutcome?: (id: number, sourceId: string, outcome: { ok: true } | { ok: false; code: string; message: string }) => void;
  /**
   * Convert on a pool of threads with these options (the agent does). Absent: on the calling
   * thread (tools and fuzz tests that drive convertBatch themselves).
   */
  engine?: Omit<EngineOptions, 'profilePack'>;
  /**
   * Records larger than this (bytes) are not converted but marked invalid with their size:
   * conversion holds a claim record's tables, resources and JSON at once (about 25× its size),
   * and one that outgrows memory would take the whole agent down, again at every restart.
   */
  maxRecordBytes?: () => number;
}

interface BatchInFlight {
  records: MessageToConvert[];
  results: Promise<EngineResult[]>;
  lastId: number;
}

/** Bundle bytes committed in one transaction at most (one record more when a single one is larger). */
const COMMIT_SLICE_BYTES = 512 * 1024;

/** A record left unconverted for its size, said in plain words with what to do. */
function tooLargeToConvert(bytes: number, limit: number): EngineResult {
  return { ok: false, code: ConvertErrorCode.tooLarge, message: recordTooLargeMessage(bytes, limit), issuesJson: null, findingsJson: null };
}

/** Errors that mean the engine was closed under a batch (the agent is stopping): not a record's fault. */
const closedEngine = (err: unknown) => err instanceof Error && /conversion engine (is|was) closed/.test(err.message);

export class ConvertWorker {
  private running = false;
  private pending = false;
  private loop?: Promise<void>;
  private engine?: ConversionEngine;
  private enginePack?: ProfilePack;
  converted = 0;
  invalid = 0;

  constructor(private readonly opts: ConvertWorkerOptions) {}

  /** Starts converting; threads start with the profile pack in force (new ones when it changed). */
  start(): void {
    if (this.opts.engine) {
      const pack = this.opts.context().profilePack;
      if (!this.engine || this.enginePack !== pack) {
        void this.engine?.close();
        this.engine = new ConversionEngine({ ...this.opts.engine, profilePack: pack });
        this.enginePack = pack;
      }
    }
    this.running = true;
    this.wake();
  }

  /** Stops after the batch in hand is committed (its threads stay for a later start). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Stops and ends the threads: records in conversion stay `received` and are converted on the next start. */
  async close(): Promise<void> {
    this.running = false;
    const engine = this.engine;
    this.engine = this.enginePack = undefined;
    await engine?.close();
    await this.loop;
  }

  /** The pool's counters (converted, crashed, timed out, replaced), when converting on threads. */
  engineStats(): ConversionEngine['stats'] | undefined {
    return this.engine?.stats;
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
      let current = this.startBatch(0);
      while (current.records.length) {
        // The next batch converts while this one is awaited and committed: the threads never wait on a commit.
        const next = this.running ? this.startBatch(current.lastId) : undefined;
        const done = await this.finishBatch(current);
        this.pending = true;
        if (!done || !this.running || !next) {
          next?.results.catch(() => {});
          return;
        }
        current = next;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** Converts one batch after `afterId`; returns how many records it handled. Public for tools and tests. */
  async convertBatch(afterId = 0): Promise<{ count: number; lastId: number }> {
    const batch = this.startBatch(afterId);
    await this.finishBatch(batch);
    return { count: batch.records.length, lastId: batch.lastId };
  }

  private startBatch(afterId: number): BatchInFlight {
    const size = this.opts.batchSize ?? (this.engine ? Math.max(8, this.engine.threads * 4) : 50);
    const records = this.opts.store.messagesToConvert(size, afterId, this.opts.maxRecordBytes?.());
    const ctx = this.opts.context();
    const results = Promise.all(records.map((m) => this.convertOne(m, ctx)));
    results.catch(() => {});
    return { records, results, lastId: records.length ? records[records.length - 1]!.id : afterId };
  }

  private convertOne(m: MessageToConvert, ctx: ConvertContext): Promise<EngineResult> {
    if (m.raw === null) return Promise.resolve(tooLargeToConvert(m.rawSize, this.opts.maxRecordBytes?.() ?? 0));
    if (this.engine) return this.engine.convert({ format: m.format, raw: m.raw, facilityCode: ctx.facilityCode, now: ctx.now, validate: true });
    const r = convertRecord(m.format, m.raw, ctx, { validate: true });
    return Promise.resolve(r.ok ? { ...r, bundle: Buffer.from(r.bundleJson, 'utf8') } : r);
  }

  /** Awaits a batch's results and commits them in one transaction; false when the engine closed under it. */
  private async finishBatch(batch: BatchInFlight): Promise<boolean> {
    if (!batch.records.length) return true;
    const { store, logger } = this.opts;
    const now = this.opts.now ?? Date.now;
    let results: EngineResult[];
    try {
      results = await batch.results;
    } catch (err) {
      if (closedEngine(err)) return false;
      throw err;
    }
    const outcomes: ConversionResult[] = results.map((r, i) => {
      const m = batch.records[i]!;
      if (!r.ok) {
        if (r.code === ConvertErrorCode.converterCrashed || r.code === ConvertErrorCode.threadCrashed || r.code === ConvertErrorCode.timedOut) {
          logger.error('conversion failed', { message: m.id, format: m.format, code: r.code, error: r.message });
        }
        return { ok: false, messageId: m.id, code: r.code, message: r.message, issuesJson: r.issuesJson, findings: storedFindings(r.findingsJson) };
      }
      const fields = r.outputs[RecordOutputName.searchFields];
      return {
        ok: true,
        messageId: m.id,
        bundle: r.bundle,
        issuesJson: r.issuesJson,
        resourceCount: r.entryCount,
        orderKey: r.orderKey,
        quality: r.qualityJson ? (JSON.parse(r.qualityJson) as RecordQuality) : undefined,
        searchFields: fields ? (JSON.parse(fields) as SearchFields) : undefined,
        // Claim-check findings ride along: stored with the outcome, never holding the record back.
        findings: storedFindings(r.findingsJson),
      };
    });
    // Committed in slices of at most COMMIT_SLICE_BYTES of bundles, yielding between them, so
    // an MLLP commit or ACK waits behind one slice at most, never behind a whole batch.
    const queued: number[] = [];
    for (let start = 0; start < outcomes.length; ) {
      let end = start;
      for (let bytes = 0; end < outcomes.length && (end === start || bytes < COMMIT_SLICE_BYTES); end++) {
        const o = outcomes[end]!;
        bytes += o.ok ? o.bundle.byteLength : 0;
      }
      if (start > 0) await new Promise((r) => setImmediate(r));
      store.commitConversions(outcomes.slice(start, end), this.opts.destinations(), now());
      for (let i = start; i < end; i++) {
        const o = outcomes[i]!;
        const m = batch.records[i]!;
        if (o.ok) {
          queued.push(o.messageId);
          this.converted++;
          this.opts.onOutcome?.(m.id, m.sourceId, { ok: true });
        } else {
          this.invalid++;
          this.opts.onOutcome?.(m.id, m.sourceId, { ok: false, code: o.code, message: o.message });
        }
      }
      start = end;
    }
    if (queued.length) this.opts.onConverted?.(queued);
    return true;
  }
}

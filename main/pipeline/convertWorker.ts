// Convert stage (DESIGN §4): received records → FHIR Bundle → base R4 validation → queued
// for every destination, or `invalid` with readable issues. Conversion is synchronous CPU
// work: done in small batches that yield to the event loop so sockets and the API stay live.
import type { Logger } from '../log.js';
import type { ConversionQueue } from '../store/ports.js';
import type { ConvertContext } from '../../connectors/formats/types.js';
import { handlerFor } from '../../connectors/formats/registry.js';
import { hasErrors, validateR4, type ValidationIssue } from '../../connectors/fhir/validator.js';

export const ConvertErrorCode = {
  unknownFormat: 'FORMAT_UNKNOWN',
  fhirInvalid: 'FHIR_INVALID',
  converterCrashed: 'CONVERTER_FAILED',
} as const;

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

export interface RecordIssues {
  warnings: { code: string; field: string; message: string }[];
  notMapped: string[];
  validation: ValidationIssue[];
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
      const handler = handlerFor(m.format);
      const convert = handler?.convert;
      const invalid = (code: string, message: string, issuesJson: string | null) => {
        store.markInvalid(m.id, code, message, issuesJson, now());
        this.invalid++;
        this.opts.onOutcome?.(m.id, m.sourceId, { ok: false, code, message });
      };
      if (!convert) {
        invalid(ConvertErrorCode.unknownFormat, `no converter for format "${m.format}"`, null);
        continue;
      }
      let outcome;
      try {
        outcome = convert(m.raw, ctx);
      } catch (err) {
        // A converter bug must not stop the pipeline: the record is kept and shown.
        logger.error('converter failed', { message: m.id, format: m.format, error: (err as Error).message });
        invalid(ConvertErrorCode.converterCrashed, `the converter failed on this record: ${(err as Error).message}`, null);
        continue;
      }
      if (!outcome.ok) {
        invalid(outcome.code, outcome.message, null);
        continue;
      }
      const validation = validateR4(outcome.bundle);
      const issues: RecordIssues = { warnings: outcome.warnings, notMapped: outcome.notMapped, validation };
      if (hasErrors(validation)) {
        const first = validation.find((v) => v.severity === 'error')!;
        const count = validation.filter((v) => v.severity === 'error').length;
        invalid(ConvertErrorCode.fhirInvalid, `the FHIR bundle is not valid R4 (${count} error${count > 1 ? 's' : ''}); first: ${first.path}: ${first.message}`, JSON.stringify(issues));
        continue;
      }
      // Records of one patient reach each store in the order they were received (DESIGN §4.7).
      const orderKey = outcome.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource?.id ?? null;
      const quality = handler?.assess?.(outcome, validation, ctx.now);
      store.markConverted(m.id, JSON.stringify(outcome.bundle), JSON.stringify(issues), outcome.bundle.entry?.length ?? 0, destinations, now(), orderKey, quality);
      queued.push(m.id);
      this.converted++;
      this.opts.onOutcome?.(m.id, m.sourceId, { ok: true });
    }
    if (queued.length) this.opts.onConverted?.(queued);
    return { count: batch.length, lastId: batch.length ? batch[batch.length - 1]!.id : afterId };
  }
}

// Why a record did not convert, as codes the store, the status page and `vhr-agent convert`
// report. Kept apart from the converters so that the main thread can name them without
// loading any converter (the pool and the CLI only relay results).
export const ConvertErrorCode = {
  unknownFormat: 'FORMAT_UNKNOWN',
  fhirInvalid: 'FHIR_INVALID',
  converterCrashed: 'CONVERTER_FAILED',
  /** The conversion thread died (out of memory, native fault) while on this record. */
  threadCrashed: 'CONVERTER_CRASHED',
  /** The record took longer than the per-record time limit; its thread was stopped. */
  timedOut: 'CONVERT_TIMEOUT',
  /** The record is larger than conversion.maxRecordMiB: converting it would need more memory than allowed. */
  tooLarge: 'CONVERT_RECORD_TOO_LARGE',
} as const;

const MiB = 1024 * 1024;

/** Why a record over the size limit is not converted, with what to do (agent and `convert` alike). */
export function recordTooLargeMessage(bytes: number, limitBytes: number): string {
  return `the record is ${(bytes / MiB).toFixed(1)} MiB, more than the ${(limitBytes / MiB).toFixed(0)} MiB converted at most (conversion.maxRecordMiB, or --max-record-mib); it is kept as received. Split it in the HIS export, or raise the limit on a machine with the memory for it (about 25× the record)`;
}

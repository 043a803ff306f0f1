// Explicit states (DESIGN §4.4): one column per leg that can fail on its own.

/** A record's own state: received at intake, then converted (valid FHIR) or invalid. */
export const MessageState = {
  received: 'received',
  converted: 'converted',
  invalid: 'invalid',
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

/** A record's state at one destination. */
export const DeliveryState = {
  pending: 'pending',
  inFlight: 'in_flight',
  delivered: 'delivered',
  retryWait: 'retry_wait',
  rejected: 'rejected',
  paused: 'paused',
  /** An operator decided this record is not to be sent there (resendable later). */
  cancelled: 'cancelled',
  /** A newer version of the same record was queued: this one is not sent (nor resendable). */
  superseded: 'superseded',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** Progress of a watched file through intake. */
export const FileState = {
  reading: 'reading',
  done: 'done',
  failed: 'failed',
} as const;
export type FileState = (typeof FileState)[keyof typeof FileState];

/**
 * A record being delivered in parts: the part going out now (1-based) of how many, for the
 * record's page and the records list ("phần 2/4"). Undefined when it goes whole or is settled.
 */
export function partInFlight(state: string, partsDone: number, partsTotal: number | null): { part: number; of: number } | undefined {
  if (partsTotal === null || partsTotal < 2) return undefined;
  if (state !== DeliveryState.pending && state !== DeliveryState.inFlight && state !== DeliveryState.retryWait) return undefined;
  return { part: Math.min(partsDone + 1, partsTotal), of: partsTotal };
}

/** States that still owe work at a destination ("pending" in the status API). */
export const OPEN_DELIVERY_STATES: readonly DeliveryState[] = [
  DeliveryState.pending,
  DeliveryState.inFlight,
  DeliveryState.retryWait,
  DeliveryState.paused,
];

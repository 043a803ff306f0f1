// How a local endpoint behaves like one family of real FHIR servers. Real stores differ in
// what they refuse, and those refusals are what loses records (DESIGN §6): a Medplum server
// refuses a transaction of more than 50 updates, HAPI FHIR checks every reference on write,
// Azure's FHIR service caps a bundle at 500 entries. Each endpoint of the local store takes
// one profile, so delivery is tested against each behaviour.

export const ServerProfile = {
  /** Medplum-like, and the default: ≤ 50 updates per transaction, references checked on write. */
  strict: 'strict',
  /** HAPI FHIR's defaults: references checked on write, no size limit. */
  hapi: 'hapi',
  /** Azure Health Data Services: ≤ 500 entries per transaction or batch, references not checked. */
  azure: 'azure',
} as const;
export type ServerProfile = (typeof ServerProfile)[keyof typeof ServerProfile];

export const DEFAULT_SERVER_PROFILE: ServerProfile = 'strict';

export interface ProfileRules {
  /** Most PUT (update) entries a transaction may carry; a batch is not limited. */
  maxTransactionUpdates?: number;
  /** Most entries a transaction or batch may carry. */
  maxBundleEntries?: number;
  /** Every literal reference must resolve, on write, to something stored or in the same transaction. */
  checkReferences: boolean;
}

export const PROFILE_RULES: Readonly<Record<ServerProfile, ProfileRules>> = {
  strict: { maxTransactionUpdates: 50, checkReferences: true },
  hapi: { checkReferences: true },
  azure: { maxBundleEntries: 500, checkReferences: false },
};

export function isServerProfile(value: unknown): value is ServerProfile {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PROFILE_RULES, value);
}

/** The words each server family answers a too-large bundle with (HTTP 400). */
export const TOO_MANY_UPDATES_TEXT = 'Transaction contains more update operations than allowed';
export function tooManyEntriesText(limit: number): string {
  return `The number of entries in the bundle exceeded the configured limit of ${limit}.`;
}

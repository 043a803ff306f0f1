// Learning how many entries a store takes per request from its refusal (DESIGN §10
// `maxEntriesPerRequest`). Stores say it in their own words: Medplum answers 400 "Transaction
// contains more update operations than allowed", Azure's FHIR service 400 "The number of
// entries in the bundle exceeded the configured limit of 500.", HAPI FHIR and proxies in
// front of any store 413. Pure: the response in, the learned limit out.
import { operationOutcomeText } from './operationOutcome.js';

export interface SizeRefusal {
  status: number;
  /** Parsed JSON body (an OperationOutcome, usually). */
  body?: unknown;
  /** The start of a body that is not JSON (a proxy's page). */
  bodyText?: string;
  /** Entries in the refused request. */
  entriesSent: number;
}

/** Words that say the request was refused for its size, not for its content. */
const TOO_LARGE = [
  /more (update )?operations than allowed/i,
  /too (many|large|big)\b/i,
  /exceed(s|ed|ing)? (the )?(configured |maximum |max )?(limit|maximum|size|number)/i,
  /(entries|entry|operations|resources) .*exceed/i,
  /(bundle|transaction|request|payload|entity|body)\b.*\b(too large|too big|size limit|limit of|maximum)/i,
];

/** …and that it is the whole request that is too large, not one of its values. */
const ABOUT_THE_REQUEST = /\b(bundle|transaction|entries|entry|operations|request|payload|body)\b/i;

/** A number the store names as its limit: "limit of 500", "maximum of 100 entries", "at most 50". */
const NAMED_LIMIT = /(?:limit(?: is)?(?: of)?|maximum(?: allowed)?(?: is)?(?: of)?|max(?:imum)?\s*[:=]?|at most|no more than|allowed(?: is)?)\s*:?\s*(\d{1,6})\b/i;

/**
 * The entry limit this refusal teaches: the number the store names when it names one
 * below what was sent, else half of what was sent. Undefined when the answer is not a
 * refusal for size, or when a single entry was refused (nothing smaller can be sent).
 */
export function learnedEntryLimit(refusal: SizeRefusal): number | undefined {
  if (refusal.entriesSent <= 1) return undefined;
  const words = operationOutcomeText(refusal.body) ?? refusal.bodyText ?? '';
  const isSizeRefusal =
    refusal.status === 413 || ((refusal.status === 400 || refusal.status === 422) && TOO_LARGE.some((p) => p.test(words)) && ABOUT_THE_REQUEST.test(words));
  if (!isSizeRefusal) return undefined;
  const named = NAMED_LIMIT.exec(words);
  const limit = named ? Number.parseInt(named[1]!, 10) : Number.NaN;
  if (Number.isInteger(limit) && limit >= 1 && limit < refusal.entriesSent) return limit;
  return Math.max(1, Math.floor(refusal.entriesSent / 2));
}

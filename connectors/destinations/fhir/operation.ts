// The VN Core submission operation (VNCORE §6, DESIGN §6): `POST [base]/Bundle/$submit-bhyt-claim`
// with IN `resource` (a `collection` VNCoreBHYTSubmissionBundle) and `mode` (test | production).
// This module only shapes the request; classify.ts reads the OperationOutcome that comes back.
import type { Bundle, BundleEntry, Parameters } from '@medplum/fhirtypes';

export const SUBMIT_BHYT_CLAIM = {
  /** Operation name as a CapabilityStatement lists it (without the `$`). */
  name: 'submit-bhyt-claim',
  /** Below the base. */
  path: '/Bundle/$submit-bhyt-claim',
  definition: 'http://fhir.hl7.org.vn/core/OperationDefinition/vn-submit-bhyt-claim',
} as const;

export type OperationMode = 'test' | 'production';

/**
 * The record's Bundle as a `collection` inside Parameters. A collection's entries may not carry
 * `request`, `response` or `search` (R4 bdl-3, bdl-4), so those are dropped; the caller's Bundle
 * is left untouched because the same record may also go to a transaction destination.
 */
export function submissionParameters(bundle: Bundle, mode: OperationMode): Parameters {
  const collection: Bundle = { ...bundle, type: 'collection' };
  if (bundle.entry) collection.entry = bundle.entry.map(collectionEntry);
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'resource', resource: collection },
      { name: 'mode', valueCode: mode },
    ],
  };
}

function collectionEntry(entry: BundleEntry): BundleEntry {
  const { request: _request, response: _response, search: _search, ...kept } = entry;
  return kept;
}

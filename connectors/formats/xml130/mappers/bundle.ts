// Assembles one record's resources into a FHIR transaction Bundle (DESIGN §6): PUT entries
// on deterministic ids (DESIGN §4.6), addressed as `urn:uuid:<id>` so that references
// between entries resolve both in a transaction and in a collection Bundle.
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import type { MapContext } from './context.js';

export function transactionBundle(ctx: MapContext, resources: readonly Resource[], now: Date): Bundle {
  const { pack } = ctx;
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) continue; // the same department or condition reached twice
    seen.add(key);
    entry.push({ fullUrl: `urn:uuid:${resource.id}`, resource, request: { method: 'PUT', url: key } });
  }
  return {
    resourceType: 'Bundle',
    id: resourceId('Bundle', ctx.keys.maCskcb, ctx.keys.maLk),
    meta: pack.meta('Bundle'),
    identifier: pack.identifier('maLk', ctx.keys.maLk, { csKey: 'identifierType', code: 'MA_LK' }),
    type: 'transaction',
    timestamp: now.toISOString(),
    entry,
  };
}

// Adaptive batching within the store's entry limit: claimed records go together only while
// their entries fit; expected groups are worked out by hand.
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { mergeTransactions, packWithinLimit } from './deliveryWorker.js';

const record = (name: string, entries: number): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: Array.from({ length: entries }, (_, i) => ({ fullUrl: `urn:uuid:${name}-${i}`, request: { method: 'PUT', url: `Observation/${name}-${i}` } })),
});

describe('packWithinLimit', () => {
  it.each([
    // entries per record, limit → groups (record indexes)
    [[10, 10, 10, 10], 50, [[0, 1, 2, 3]]],
    [[20, 20, 20, 20], 50, [[0, 1], [2, 3]]],
    [[30, 120, 5, 5], 50, [[0], [1], [2, 3]]],
    [[50, 1], 50, [[0], [1]]],
    [[60], 50, [[0]]],
  ])('%j within %i', (sizes, limit, expected) => {
    const items = sizes.map((_, i) => i);
    const bundles = sizes.map((n, i) => record(`r${i}`, n));
    const groups = packWithinLimit(items, bundles, limit);
    expect(groups).toEqual(expected);
    // Every merged group of more than one record is within the limit.
    for (const g of groups.filter((x) => x.length > 1)) expect(mergeTransactions(g.map((i) => bundles[i]!)).entry!.length).toBeLessThanOrEqual(limit);
  });
});

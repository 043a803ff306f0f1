import { describe, expect, it } from 'vitest';
import { learnedEntryLimit } from './sizeLimit.js';

const outcome = (text: string, where: 'details' | 'diagnostics' = 'details') => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', ...(where === 'details' ? { details: { text } } : { diagnostics: text }) }],
});

describe('learning a store’s entry limit from its refusal', () => {
  it('halves what was sent when Medplum says the transaction has too many updates (it names no number)', () => {
    expect(learnedEntryLimit({ status: 400, body: outcome('Transaction contains more update operations than allowed'), entriesSent: 131 })).toBe(65);
    expect(learnedEntryLimit({ status: 400, body: outcome('Transaction contains more update operations than allowed'), entriesSent: 65 })).toBe(32);
  });

  it('takes the number Azure names', () => {
    const body = outcome('The number of entries in the bundle exceeded the configured limit of 500.', 'diagnostics');
    expect(learnedEntryLimit({ status: 400, body, entriesSent: 1058 })).toBe(500);
  });

  it('learns from a 413, with or without words, and from other stores’ wordings', () => {
    expect(learnedEntryLimit({ status: 413, entriesSent: 300 })).toBe(150);
    expect(learnedEntryLimit({ status: 413, bodyText: '<html><h1>413 Request Entity Too Large</h1></html>', entriesSent: 301 })).toBe(150);
    expect(learnedEntryLimit({ status: 413, body: outcome('Bundle has 1200 entries; the maximum is 1000 entries'), entriesSent: 1200 })).toBe(1000);
    expect(learnedEntryLimit({ status: 400, body: outcome('Transaction bundle is too large: at most 200 entries'), entriesSent: 250 })).toBe(200);
    expect(learnedEntryLimit({ status: 400, body: outcome('Bundle too large'), entriesSent: 90 })).toBe(45);
  });

  it('halves when the named number is not below what was sent', () => {
    expect(learnedEntryLimit({ status: 400, body: outcome('The number of entries in the bundle exceeded the configured limit of 500.'), entriesSent: 400 })).toBe(200);
  });

  it('learns nothing from a refusal of the content, from other statuses, or when one entry was refused', () => {
    expect(learnedEntryLimit({ status: 400, body: outcome('Invalid date format (Bundle.entry[1].resource.birthDate)'), entriesSent: 120 })).toBeUndefined();
    expect(learnedEntryLimit({ status: 400, body: outcome('Patient.name: too many values'), entriesSent: 120 })).toBeUndefined();
    expect(learnedEntryLimit({ status: 422, body: outcome('Resource Patient/x not found, specified in path: Encounter.subject'), entriesSent: 120 })).toBeUndefined();
    expect(learnedEntryLimit({ status: 503, body: outcome('Transaction contains more update operations than allowed'), entriesSent: 120 })).toBeUndefined();
    expect(learnedEntryLimit({ status: 413, entriesSent: 1 })).toBeUndefined();
  });
});

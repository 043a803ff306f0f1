// `destinations[].maxEntriesPerRequest` (DESIGN §10): optional, a whole number of entries.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load.js';
import { ConfigError } from './schema.js';

const withLimit = (value: string) => `
facility: { code: "94170" }
dataDir: ./data
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.province.example/fhir"${value ? `, maxEntriesPerRequest: ${value}` : ''} }
`;

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, '/etc/vhr');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('destinations[].maxEntriesPerRequest', () => {
  it('is absent unless given, and kept as given', () => {
    expect(parseConfigText(withLimit(''), '/etc/vhr').destinations[0]!.maxEntriesPerRequest).toBeUndefined();
    expect(parseConfigText(withLimit('50'), '/etc/vhr').destinations[0]!.maxEntriesPerRequest).toBe(50);
  });

  it('refuses anything but a whole number of entries from 1', () => {
    expect(problemsOf(withLimit('0'))).toEqual(['destinations[0].maxEntriesPerRequest: must be a number from 1 to 100000, got 0']);
    expect(problemsOf(withLimit('12.5'))).toEqual(['destinations[0].maxEntriesPerRequest: must be a number from 1 to 100000, got 12.5']);
    expect(problemsOf(withLimit('"many"'))).toEqual(['destinations[0].maxEntriesPerRequest: must be a number from 1 to 100000, got "many"']);
  });
});

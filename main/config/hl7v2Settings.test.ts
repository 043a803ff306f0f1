import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load.js';
import { ConfigError } from './schema.js';

const base = `
facility: { code: "79001" }
dataDir: ./data
sources:
  - { id: lab, type: mllp, host: 127.0.0.1, port: 2575 }
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.province.example/fhir", auth: { type: bearer, token: "env:PROVINCE_TOKEN" } }
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

describe('config key hl7v2.assigningAuthorities', () => {
  it('reads a facility authority map: meanings, meanings of another facility, URIs', () => {
    const c = parseConfigText(`${base}hl7v2:\n  assigningAuthorities: { BV01: mrn, BVCR: "mrn@79024", MPI: "http://example.org/mpi" }\n`, '/etc/vhr');
    expect(c.hl7v2).toEqual({ assigningAuthorities: { BV01: 'mrn', BVCR: 'mrn@79024', MPI: 'http://example.org/mpi' } });
    expect(parseConfigText(base, '/etc/vhr').hl7v2).toBeUndefined();
  });

  it('names a bad target and an unknown key', () => {
    expect(problemsOf(`${base}hl7v2:\n  assigningAuthorities: { BV01: "ma benh nhan" }\n  colour: blue\n`)).toEqual([
      'hl7v2.assigningAuthorities.BV01: give a meaning (mrn, cccd, bhyt …), mrn@MA_CSKCB or a URI, got "ma benh nhan"',
      'hl7v2.colour: unknown key (known keys: assigningAuthorities)',
    ]);
  });
});

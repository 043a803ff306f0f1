import { describe, expect, it } from 'vitest';
import { parseConfigText, resolveSecret } from './load.js';
import { ConfigError } from './schema.js';

const base = `
facility: { code: "94170" }
dataDir: ./data
sources:
  - { id: his, type: folder, path: ./inbox, format: xml130 }
  - { id: lab, type: mllp, host: 127.0.0.1, port: 2575 }
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.province.example/fhir/", auth: { type: bearer, token: "env:PROVINCE_TOKEN" } }
  - { id: ministry, type: fhir, baseUrl: "https://fhir.moh.example/fhir" }
statusApi: { host: 127.0.0.1, port: 0 }
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

describe('configuration', () => {
  it('reads YAML, fills defaults and resolves paths against the config folder', () => {
    const c = parseConfigText(base, '/etc/vhr');
    expect(c.dataDir).toBe('/etc/vhr/data');
    expect(c.sources[0]).toEqual({
      id: 'his',
      type: 'folder',
      path: '/etc/vhr/inbox',
      format: 'xml130',
      quietMs: 2000,
      processedDir: '/etc/vhr/inbox/processed',
      errorDir: '/etc/vhr/inbox/error',
      commitEvery: 200,
    });
    expect(c.sources[1]).toMatchObject({ id: 'lab', type: 'mllp', host: '127.0.0.1', port: 2575, format: 'hl7v2' });
    expect(c.destinations.map((d) => [d.id, d.baseUrl, d.mode, d.timeoutMs, d.auth.type])).toEqual([
      ['province', 'https://fhir.province.example/fhir', 'transaction', 30000, 'bearer'],
      ['ministry', 'https://fhir.moh.example/fhir', 'transaction', 30000, 'none'],
    ]);
    expect(c.statusApi).toEqual({ host: '127.0.0.1', port: 0 });
    expect(c.retry).toEqual({ baseDelayMs: 2000, maxDelayMs: 600000, factor: 2, jitter: 0.2 });
  });

  it('accepts the same document as JSON', () => {
    const c = parseConfigText(JSON.stringify({ facility: { code: '01001' }, dataDir: '/var/vhr' }), '/x');
    expect([c.facility.code, c.dataDir, c.sources, c.destinations]).toEqual(['01001', '/var/vhr', [], []]);
  });

  it('names the key and the problem for every mistake at once', () => {
    const problems = problemsOf(`
facility: { code: "9417" }
sources:
  - { id: his, type: ftp, path: ./in }
  - { id: his, type: folder }
destinations:
  - { id: p, type: fhir, baseUrl: "not a url", auth: { type: bearer, token: "s3cr3t" }, timeoutMs: -1 }
statusApi: { host: 0.0.0.0 }
colour: blue
`);
    expect(problems).toEqual([
      'facility.code: must be the 5-character MA_CSKCB issued by Vietnam Social Security, got "9417"',
      'dataDir: is required',
      'sources[0].type: must be one of folder, mllp, got "ftp"',
      'sources[1].id: "his" is used twice; every source and destination needs its own id',
      'sources[1].path: is required',
      'destinations[0].baseUrl: is not a URL: "not a url"',
      'destinations[0].auth.token: give a reference such as env:PROVINCE_TOKEN, never the secret itself',
      'destinations[0].timeoutMs: must be a number from 100 to 600000, got -1',
      'statusApi.host: the status API listens on loopback only (127.0.0.1 or ::1), got "0.0.0.0"',
      'colour: unknown key (known keys: facility, dataDir, sources, destinations, statusApi, retry, logging, alerts, retention, profilePack, managed)',
    ]);
  });

  it('reports YAML syntax errors in plain words', () => {
    const [problem] = problemsOf('facility: [unclosed');
    expect(problem).toMatch(/^config: is not valid YAML\/JSON: /);
  });

  it('resolves secrets from the environment only by reference', () => {
    expect(resolveSecret('env:TOKEN_X', { TOKEN_X: 'abc' })).toBe('abc');
    expect(() => resolveSecret('env:MISSING', {})).toThrow(/MISSING .* is not set/);
    expect(() => resolveSecret('plain-secret', {})).toThrow(/use env:NAME/);
  });
});

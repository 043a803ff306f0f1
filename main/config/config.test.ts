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
      maxFileBytes: 2 * 1024 ** 3,
      maxRecordBytes: 256 * 1024 ** 2,
    });
    expect(c.sources[1]).toMatchObject({ id: 'lab', type: 'mllp', host: '127.0.0.1', port: 2575, format: 'hl7v2' });
    expect(c.destinations.map((d) => [d.id, d.baseUrl, d.mode, d.timeoutMs, d.auth.type])).toEqual([
      ['province', 'https://fhir.province.example/fhir', 'transaction', 30000, 'bearer'],
      ['ministry', 'https://fhir.moh.example/fhir', 'transaction', 30000, 'none'],
    ]);
    expect(c.statusApi).toEqual({ host: '127.0.0.1', port: 0 });
    expect(c.retry).toEqual({ baseDelayMs: 2000, maxDelayMs: 600000, factor: 2, jitter: 0.2, probeIntervalMs: 30000 });
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
      'dataDir: is required; give a folder the agent may write to, e.g. C:/ProgramData/vhr-agent',
      'sources[0].type: must be one of folder, mllp, got "ftp"',
      'sources[1].id: "his" is used twice; every source and destination needs its own id',
      'sources[1].path: is required',
      'destinations[0].baseUrl: is not a URL: "not a url"',
      'destinations[0].auth.token: give a reference such as env:PROVINCE_TOKEN, never the secret itself',
      'destinations[0].timeoutMs: must be a number from 100 to 600000, got -1',
      'statusApi.host: the status API listens on loopback only (127.0.0.1 or ::1), got "0.0.0.0"',
      'colour: unknown key (known keys: facility, dataDir, sources, destinations, statusApi, retry, logging, alerts, security, retention, conversion, profilePack, managed, hl7v2)',
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

  it('reads oauth2, mTLS and operation mode for a destination, with file: references made absolute', () => {
    const c = parseConfigText(
      `
facility: { code: "94170" }
dataDir: ./data
destinations:
  - id: province
    type: fhir
    baseUrl: https://fhir.soyte.example.vn/fhir
    mode: batch
    auth:
      type: oauth2
      tokenUrl: https://sso.soyte.example.vn/realms/ehr/protocol/openid-connect/token
      clientId: bv-94170
      clientSecret: file:secrets/province-client-secret
      scope: system/*.write
    tls:
      caFile: certs/soyte-ca.pem
      certFile: /etc/vhr/certs/client.pem
      keyFile: /etc/vhr/certs/client.key
      keyPassphrase: keychain:vhr-agent/client-key
  - id: bhyt
    type: fhir
    baseUrl: https://gateway.bhyt.example.vn/fhir
    mode: operation
    operationMode: test
    auth: { type: mtls }
    tls: { certFile: certs/client.pem, keyFile: certs/client.key }
`,
      '/etc/vhr',
    );
    expect(c.destinations).toEqual([
      {
        id: 'province',
        type: 'fhir',
        baseUrl: 'https://fhir.soyte.example.vn/fhir',
        auth: {
          type: 'oauth2',
          tokenUrl: 'https://sso.soyte.example.vn/realms/ehr/protocol/openid-connect/token',
          clientId: 'bv-94170',
          clientSecret: 'file:/etc/vhr/secrets/province-client-secret',
          scope: 'system/*.write',
          clientAuth: 'basic',
        },
        mode: 'batch',
        tls: { caFile: '/etc/vhr/certs/soyte-ca.pem', certFile: '/etc/vhr/certs/client.pem', keyFile: '/etc/vhr/certs/client.key', keyPassphrase: 'keychain:vhr-agent/client-key' },
        timeoutMs: 30000,
        concurrency: 4,
        maxBatch: 20,
      },
      {
        id: 'bhyt',
        type: 'fhir',
        baseUrl: 'https://gateway.bhyt.example.vn/fhir',
        auth: { type: 'mtls' },
        mode: 'operation',
        operationMode: 'test',
        tls: { certFile: '/etc/vhr/certs/client.pem', keyFile: '/etc/vhr/certs/client.key' },
        timeoutMs: 30000,
        concurrency: 4,
        maxBatch: 20,
      },
    ]);
  });

  it('refuses every way of turning TLS verification off, and says why', () => {
    const problems = problemsOf(`
facility: { code: "94170" }
dataDir: /d
destinations:
  - id: p
    baseUrl: https://fhir.example.vn/fhir
    rejectUnauthorized: false
    tls: { caFile: /ca.pem, insecureSkipVerify: true }
    auth: { type: bearer, token: "env:T", strict-ssl: false }
`);
    const why =
      'TLS certificate verification is always on and cannot be turned off: the agent sends health records, which are sensitive personal data (Law 91/2025). To trust a private or self-signed certificate, give its CA certificate in tls.caFile';
    // Known keys in the schema's order first, then the keys the schema does not have.
    expect(problems).toEqual([`destinations[0].auth.strict-ssl: ${why}`, `destinations[0].tls.insecureSkipVerify: ${why}`, `destinations[0].rejectUnauthorized: ${why}`]);
  });

  it('names each mistake in auth, tls and operation settings without quoting secrets', () => {
    const problems = problemsOf(`
facility: { code: "94170" }
dataDir: /d
destinations:
  - { id: a, baseUrl: "https://a.example/fhir", mode: operation, auth: { type: oauth2, tokenUrl: "http://sso.example/token", clientSecret: "hunter2-secret", clientSecretFile: x } }
  - { id: b, baseUrl: "https://b.example/fhir", operationMode: production, auth: { type: mtls }, tls: { keyFile: /k.pem, keyPassphrase: "keychain:only-service" } }
  - { id: c, baseUrl: "http://c.example/fhir", auth: { type: kerberos }, tls: { caFile: /ca.pem, pinnedKey: abc } }
  - { id: d, baseUrl: "https://d.example/fhir", auth: { type: oauth2, tokenUrl: "https://u:p@sso.example/token", clientId: x, clientSecret: "env:S", clientAuth: jwt } }
`);
    expect(problems).toEqual([
      'destinations[0].auth.tokenUrl: must start with https:// (the client secret is sent to it)',
      'destinations[0].auth.clientId: is required',
      'destinations[0].auth.clientSecret: give a reference such as env:PROVINCE_CLIENT_SECRET, never the secret itself',
      'destinations[0].auth.clientSecretFile: unknown key with type oauth2 (known keys: type, tokenUrl, clientId, clientSecret, scope, audience, clientAuth)',
      'destinations[0].operationMode: is required with mode operation: test while trying the gateway, production to submit claims',
      'destinations[1].auth: type mtls needs tls.certFile and tls.keyFile (the client certificate is the credential)',
      'destinations[1].operationMode: applies only with mode operation',
      'destinations[1].tls.certFile: is required with keyFile (the client certificate)',
      'destinations[1].tls.keyPassphrase: keychain: needs a service and an account (e.g. keychain:vhr-agent/province)',
      'destinations[2].auth.type: must be one of none, bearer, oauth2, mtls, got "kerberos"',
      'destinations[2].tls.pinnedKey: unknown key (known keys: caFile, certFile, keyFile, keyPassphrase)',
      'destinations[2].tls: applies to https:// addresses only, and baseUrl is not one',
      'destinations[3].auth.tokenUrl: must not hold credentials; give them in clientId and clientSecret',
      'destinations[3].auth.clientAuth: must be one of basic, post, got "jwt"',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('a plain-http token URL is allowed on this machine only', () => {
    const c = parseConfigText(
      `
facility: { code: "94170" }
dataDir: /d
destinations:
  - { id: a, baseUrl: "http://127.0.0.1:8080/fhir", auth: { type: oauth2, tokenUrl: "http://localhost:8081/token", clientId: x, clientSecret: "env:S", clientAuth: post, audience: fhir } }
`,
      '/etc/vhr',
    );
    expect(c.destinations[0]!.auth).toEqual({ type: 'oauth2', tokenUrl: 'http://localhost:8081/token', clientId: 'x', clientSecret: 'env:S', clientAuth: 'post', audience: 'fhir' });
  });
});


describe('YAML traps', () => {
  it('a code written without quotes loses its leading zero: the problem says to quote it', () => {
    expect(problemsOf('facility: { code: 01001 }\ndataDir: /d\n')).toEqual([
      'facility.code: YAML reads 01001 as the number 1001 and drops the leading zero; put it in quotes: "01001"',
    ]);
    // Quoted, or without a leading zero, the same code is fine.
    expect(parseConfigText('facility: { code: "01001" }\ndataDir: /d\n', '/x').facility.code).toBe('01001');
    expect(parseConfigText('facility: { code: 94170 }\ndataDir: /d\n', '/x').facility.code).toBe('94170');
  });

  it('a Windows path in double quotes: single quotes or forward slashes', () => {
    const fix = `write it in single quotes ('D:\\HIS\\XuatXML') or with forward slashes (D:/HIS/XuatXML)`;
    // \H is no escape at all: YAML refuses the file.
    const [refused] = problemsOf('facility: { code: "94170" }\ndataDir: "D:\\HIS\\XuatXML"\n');
    expect(refused).toMatch(/^config: is not valid YAML\/JSON: Invalid escape sequence \\H/);
    expect(refused).toContain(fix);
    // \n and \t are escapes: YAML reads a line break and a tab, silently.
    expect(problemsOf('facility: { code: "94170" }\ndataDir: /d\nsources:\n  - { id: his, type: folder, path: "D:\\new\\txt" }\n')).toEqual([
      `sources[0].path: a Windows path in double quotes: there a backslash starts an escape (\\n, \\t, …); ${fix}`,
    ]);
    expect(parseConfigText("facility: { code: '94170' }\ndataDir: 'D:\\HIS\\XuatXML'\n", '/x').dataDir).toContain('D:\\HIS\\XuatXML');
  });
});

describe('what the file may leave out or write loosely', () => {
  it('null and empty values mean "not set"; numbers and codes are read whether quoted or not', () => {
    const c = parseConfigText(
      `
facility: { code: 94170, name: }
dataDir: /d
statusApi: { port: "8137", host: }
retry: ~
sources:
  - { id: lab, type: mllp, port: "2576", charset: "" }
destinations:
  - { id: p, baseUrl: "https://p.example/fhir/", auth: ~ }
`,
      '/x',
    );
    expect(c.facility).toEqual({ code: '94170' });
    expect(c.statusApi).toEqual({ host: '127.0.0.1', port: 8137 });
    expect(c.retry).toEqual({ baseDelayMs: 2000, maxDelayMs: 600000, factor: 2, jitter: 0.2, probeIntervalMs: 30000 });
    expect(c.sources[0]).toEqual({
      id: 'lab',
      type: 'mllp',
      host: '0.0.0.0',
      port: 2576,
      format: 'hl7v2',
      maxMessageBytes: 16 * 1024 ** 2,
      ackMode: 'original',
      acceptProcessingIds: [],
      idleTimeoutMs: 300_000,
      allow: [],
      maxConnections: 256,
      maxBufferedBytes: 128 * 1024 ** 2,
    });
    expect(c.destinations[0]).toMatchObject({ baseUrl: 'https://p.example/fhir', auth: { type: 'none' } });
  });

  it('an auth without a type is type none, and says which keys that type has', () => {
    expect(problemsOf('facility: { code: "94170" }\ndataDir: /d\ndestinations:\n  - { id: p, baseUrl: "https://p.example/fhir", auth: { token: "env:T" } }\n')).toEqual([
      'destinations[0].auth.token: unknown key with type none (known keys: type)',
    ]);
  });
});
// `destinations[].maxEntriesPerRequest` (DESIGN §10): optional, a whole number of entries.

const withLimit = (value: string) => `
facility: { code: "94170" }
dataDir: ./data
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.province.example/fhir"${value ? `, maxEntriesPerRequest: ${value}` : ''} }
`;


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

const hl7Base = `
facility: { code: "79001" }
dataDir: ./data
sources:
  - { id: lab, type: mllp, host: 127.0.0.1, port: 2575 }
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.province.example/fhir", auth: { type: bearer, token: "env:PROVINCE_TOKEN" } }
`;


describe('config key hl7v2.assigningAuthorities', () => {
  it('reads a facility authority map: meanings, meanings of another facility, URIs', () => {
    const c = parseConfigText(`${hl7Base}hl7v2:\n  assigningAuthorities: { BV01: mrn, BVCR: "mrn@79024", MPI: "http://example.org/mpi" }\n`, '/etc/vhr');
    expect(c.hl7v2).toEqual({ assigningAuthorities: { BV01: 'mrn', BVCR: 'mrn@79024', MPI: 'http://example.org/mpi' } });
    expect(parseConfigText(hl7Base, '/etc/vhr').hl7v2).toBeUndefined();
  });

  it('names a bad target and an unknown key', () => {
    expect(problemsOf(`${hl7Base}hl7v2:\n  assigningAuthorities: { BV01: "ma benh nhan" }\n  colour: blue\n`)).toEqual([
      'hl7v2.assigningAuthorities.BV01: give a meaning (mrn, cccd, bhyt …), mrn@MA_CSKCB or a URI, got "ma benh nhan"',
      'hl7v2.colour: unknown key (known keys: assigningAuthorities)',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { SECRET_KEYS, SECRET_SETTINGS, MANAGED_KEYS, secretReferences } from './annotations.js';
import { parseConfigText } from './load.js';
import { renderConfigDoc } from './docs.js';
import { RETRY_DEFAULTS } from '../pipeline/retryPolicy.js';

describe('what the configuration schema gives the rest of the agent', () => {
  it('docs/configuration.md is the one rendered from the schema (run `npm run docs:config` after changing it)', () => {
    const committed = readFileSync(join(PACKAGE_ROOT, 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(renderConfigDoc());
  });

  it('the documented defaults and keys are those of DESIGN §10 and the README', () => {
    const doc = renderConfigDoc();
    for (const row of [
      '| `sources[].quietMs` | number 0–600000 | `2000` |',
      '| `destinations[].mode` | `transaction` \\| `batch` \\| `operation` | `"transaction"` |',
      '| `statusApi.host` | `127.0.0.1` \\| `localhost` \\| `::1` | `"127.0.0.1"` |',
      '| `facility.code` | text | **required** |',
    ]) {
      expect(doc).toContain(row);
    }
  });

  it('secret settings, managed keys and retry defaults come from the schema annotations', () => {
    expect([...SECRET_SETTINGS].sort()).toEqual(['destinations[].auth.clientSecret', 'destinations[].auth.token', 'destinations[].tls.keyPassphrase', 'security.dataKey']);
    expect([...SECRET_KEYS].sort()).toEqual(['clientSecret', 'dataKey', 'keyPassphrase', 'token']);
    expect(MANAGED_KEYS).toEqual(['destinations', 'retry', 'logging', 'retention']);
    expect(RETRY_DEFAULTS).toEqual({ baseDelayMs: 2000, maxDelayMs: 600_000, factor: 2, jitter: 0.2, probeIntervalMs: 30_000 });
  });

  it('lists the secret references of a configuration by key path', () => {
    const config = parseConfigText(
      `
facility: { code: "94170" }
dataDir: /d
security: { dataKey: "env:VHR_DATA_KEY" }
destinations:
  - { id: a, baseUrl: "https://a.example/fhir", auth: { type: bearer, token: "env:A_TOKEN" } }
  - { id: b, baseUrl: "https://b.example/fhir", auth: { type: oauth2, tokenUrl: "https://sso.example/t", clientId: x, clientSecret: "file:s/b" },
      tls: { certFile: c.pem, keyFile: k.pem, keyPassphrase: "keychain:vhr/b" } }
`,
      '/etc/vhr',
    );
    // In the order the file gives them.
    expect(secretReferences(config)).toEqual([
      { key: 'security.dataKey', reference: 'env:VHR_DATA_KEY' },
      { key: 'destinations[0].auth.token', reference: 'env:A_TOKEN' },
      { key: 'destinations[1].auth.clientSecret', reference: 'file:/etc/vhr/s/b' },
      { key: 'destinations[1].tls.keyPassphrase', reference: 'keychain:vhr/b' },
    ]);
  });
});

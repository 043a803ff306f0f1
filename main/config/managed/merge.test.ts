import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../load.js';
import { appliesTo, changedDestinationIds, mergeManaged, MergeError, settingsFor } from './merge.js';
import { parseManagedDocument, type ManagedDocument } from './document.js';

const local = parseConfigText(
  `
facility: { code: "94170" }
dataDir: /var/lib/vhr
sources:
  - { id: his, type: folder, path: /data/his }
destinations:
  - { id: province, type: fhir, baseUrl: "https://fhir.soyte.example/r4", auth: { type: bearer, token: "env:PROVINCE_TOKEN" } }
  - { id: ministry, type: fhir, baseUrl: "https://fhir.moh.example/r4" }
retry: { baseDelayMs: 1000 }
logging: { level: debug }
`,
  '/etc/vhr',
);
const doc = (d: Record<string, unknown>): ManagedDocument => parseManagedDocument({ version: 5, ...d });

describe('local configuration + ministry document', () => {
  it('changes what the ministry manages and keeps the rest local', () => {
    const { config, pack } = mergeManaged(
      local,
      doc({ destinations: [{ id: 'ministry', baseUrl: 'https://fhir.moh.gov.vn/r4', mode: 'batch' }, { id: 'archive', baseUrl: 'https://archive.moh.gov.vn/fhir' }], retry: { maxDelayMs: 120000 } }),
      '/var/lib/vhr/managed/profile-pack-v5.json',
    );
    expect(config.destinations.map((d) => [d.id, d.baseUrl, d.mode])).toEqual([
      ['province', 'https://fhir.soyte.example/r4', 'transaction'],
      ['ministry', 'https://fhir.moh.gov.vn/r4', 'batch'],
      ['archive', 'https://archive.moh.gov.vn/fhir', 'transaction'],
    ]);
    expect(config.destinations[0]!.auth).toEqual({ type: 'bearer', token: 'env:PROVINCE_TOKEN' });
    expect(config.retry).toMatchObject({ baseDelayMs: 1000, maxDelayMs: 120000 });
    expect(config.logging.level).toBe('debug');
    expect(config.sources).toEqual(local.sources);
    expect(config.facility).toEqual(local.facility);
    expect(config.profilePack).toBeUndefined();
    expect(pack).toBeUndefined();
  });

  it('lays the facility override over the common settings, and overlays the profile pack key by key', () => {
    const d = doc({
      retry: { maxDelayMs: 120000 },
      profilePack: { identifierSystems: { maLk: 'http://moh.gov.vn/sid/ma-lk' }, codeMaps: { MA_KHOA: { K01: 'K1.01' } } },
      overrides: { '94170': { retry: { factor: 3 }, profilePack: { codeMaps: { MA_KHOA: { K02: 'K1.02' } } } }, '79001': { retry: { factor: 5 } } },
    });
    expect(settingsFor(d, '94170').retry).toEqual({ maxDelayMs: 120000, factor: 3 });
    const { config, pack } = mergeManaged(local, d, '/var/lib/vhr/managed/profile-pack-v5.json');
    expect(config.retry).toMatchObject({ maxDelayMs: 120000, factor: 3 });
    expect(config.profilePack).toBe('/var/lib/vhr/managed/profile-pack-v5.json');
    expect(pack!.identifierSystems.maLk).toBe('http://moh.gov.vn/sid/ma-lk');
    expect(pack!.identifierSystems.cccd).toBe('http://fhir.hl7.org.vn/core/sid/cccd');
    expect(pack!.codeMaps.MA_KHOA).toEqual({ K01: 'K1.01', K02: 'K1.02' });
    expect(pack!.codeMaps.GIOI_TINH).toBeDefined();
    expect(pack!.version).toBe('0.6.0+managed.5');
  });

  it('refuses what would make the configuration invalid, naming destinations by id', () => {
    const problems = (d: ManagedDocument) => {
      try {
        mergeManaged(local, d, '/x.json');
        return [];
      } catch (err) {
        return (err as MergeError).problems;
      }
    };
    expect(problems(doc({ destinations: [{ id: 'ministry', concurrency: 1000 }, { id: 'new' }], retry: { maxDelayMs: 10 } }))).toEqual([
      'destinations: "new" is not a destination of this facility, so its baseUrl is required to add it',
      'destinations "ministry".concurrency: must be a number from 1 to 64, got 1000',
      'retry.maxDelayMs: must not be smaller than retry.baseDelayMs',
    ]);
    expect(problems(doc({ profilePack: { identifierSystems: { maLk: 'not a uri' } } }))).toEqual(['profilePack: identifierSystems.maLk is not a URI: "not a uri"']);
  });

  it('addresses facilities and lists the destinations that changed', () => {
    expect(appliesTo(doc({}), '94170')).toBe(true);
    expect(appliesTo(doc({ facilities: ['79001'] }), '94170')).toBe(false);
    const { config } = mergeManaged(local, doc({ destinations: [{ id: 'ministry', timeoutMs: 5000 }] }), '/x.json');
    expect(changedDestinationIds(local.destinations, config.destinations)).toEqual(['ministry']);
    expect(changedDestinationIds(local.destinations, config.destinations.slice(1))).toEqual(['ministry', 'province']);
  });
});

describe('secrets and credentials a ministry document may use (docs/security.md)', () => {
  const merge = (d: Record<string, unknown>) => mergeManaged(local, doc(d), '/var/lib/vhr/managed/pack.json');

  it('may reuse a secret reference the local configuration declares, never another one or a file in the data folder', () => {
    const reuse = merge({ destinations: [{ id: 'ministry', auth: { type: 'bearer', token: 'env:PROVINCE_TOKEN' } }] });
    expect(reuse.config.destinations[1]!.auth).toEqual({ type: 'bearer', token: 'env:PROVINCE_TOKEN' });
    expect(() => merge({ destinations: [{ id: 'ministry', auth: { type: 'bearer', token: 'env:OTHER_SECRET' } }] })).toThrow(
      'destinations "ministry" auth.token: env:OTHER_SECRET is not a secret this facility\'s configuration declares; a ministry document may only reuse the references the local configuration names',
    );
    let err: unknown;
    try {
      merge({
        destinations: [
          { id: 'ministry', auth: { type: 'oauth2', tokenUrl: 'https://evil.example/token', clientId: 'x', clientSecret: 'file:/var/lib/vhr/keys.json' } },
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MergeError);
    expect((err as MergeError).problems).toContain(
      'destinations "ministry" auth.clientSecret: file:/var/lib/vhr/keys.json is inside the agent\'s data folder; a ministry document may never name a file there',
    );
  });

  it('moving a destination without credentials for the new address drops the old ones, and says so', () => {
    const moved = merge({ destinations: [{ id: 'province', baseUrl: 'https://other-host.example/r4' }] });
    expect(moved.config.destinations[0]).toMatchObject({ id: 'province', baseUrl: 'https://other-host.example/r4', auth: { type: 'none' } });
    expect(moved.warnings).toEqual([
      'destinations "province": the document moves it to https://other-host.example/r4 without credentials for that address, so this facility\'s credentials are not sent there; it now has none (auth none) until a document or the local configuration gives them',
    ]);
    const withCredentials = merge({ destinations: [{ id: 'province', baseUrl: 'https://new.soyte.example/r4', auth: { type: 'bearer', token: 'env:PROVINCE_TOKEN' } }] });
    expect(withCredentials.config.destinations[0]!.auth).toEqual({ type: 'bearer', token: 'env:PROVINCE_TOKEN' });
    expect(withCredentials.warnings).toEqual([]);
    // Other settings of the same destination change without touching its credentials.
    expect(merge({ destinations: [{ id: 'province', timeoutMs: 60000 }] }).config.destinations[0]!.auth).toEqual({ type: 'bearer', token: 'env:PROVINCE_TOKEN' });
  });
});

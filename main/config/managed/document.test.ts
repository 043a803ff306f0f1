import { describe, expect, it } from 'vitest';
import { ManagedDocumentError, parseManagedDocument } from './document.js';

function problems(doc: unknown): string[] {
  try {
    parseManagedDocument(doc);
    return [];
  } catch (err) {
    return (err as ManagedDocumentError).problems;
  }
}

describe('managed document schema', () => {
  it('accepts every key the ministry manages, with facility overrides', () => {
    const doc = {
      version: 12,
      facilities: ['94170', '79001'],
      minAgentVersion: '0.1.0',
      reconvertPending: true,
      issuedAt: '2026-03-01T08:00:00+07:00',
      note: 'new ministry endpoint',
      destinations: [{ id: 'ministry', baseUrl: 'https://fhir.moh.gov.vn/r4', mode: 'batch', auth: { type: 'bearer', token: 'env:MOH_TOKEN' } }],
      retry: { maxDelayMs: 300000 },
      logging: { level: 'warn', retainDays: 90 },
      retention: { deliveredPayloadDays: 60 },
      profilePack: { version: '0.7.0', identifierSystems: { maLk: 'http://moh.gov.vn/sid/ma-lk' }, codeMaps: { MA_KHOA: { K01: 'K1.01' } } },
      updates: { url: 'https://update.moh.gov.vn/vhr-agent/', channel: 'stable' },
      overrides: { '94170': { destinations: [{ id: 'province', baseUrl: 'https://fhir.soyte.example/r4' }] } },
    };
    expect(parseManagedDocument(doc)).toEqual(doc);
  });

  it('names every key at fault, in plain words', () => {
    expect(
      problems({
        version: 0,
        facility: { code: '94170' },
        sources: [],
        colour: 'blue',
        facilities: ['941'],
        minAgentVersion: 'soon',
        reconvertPending: 'yes',
        destinations: [{ baseUrl: 'ftp://x' }, { id: 'a', baseURL: 'https://x', auth: { type: 'bearer', token: 'plain-secret' } }, { id: 'a' }],
        retry: { factor: 'fast', speed: 2 },
        profilePack: { identifierSystems: { maLk: 5 }, codeMaps: { MA_KHOA: 'K01' }, extra: 1 },
        updates: { url: 'file:///x', channel: 'Beta!' },
        overrides: { '9417': {}, '94170': { sources: [] } },
      }),
    ).toEqual([
      'version: must be a whole number ≥ 1, got 0',
      'facilities[0]: must be a 5-character MA_CSKCB, got "941"',
      'minAgentVersion: must be a release version such as "1.4.0", got "soon"',
      'reconvertPending: must be true or false, got "yes"',
      'destinations[0].id: is required',
      'destinations[0].baseUrl: must be an https:// (or http://) URL, got "ftp://x"',
      'destinations[1].auth.token: must be a reference such as env:PROVINCE_TOKEN (or file:PATH, keychain:SERVICE/ACCOUNT), never the secret itself',
      'destinations[1].baseURL: unknown key (known keys: id, name, type, baseUrl, auth, mode, operationMode, tls, timeoutMs, concurrency, maxBatch, maxEntriesPerRequest)',
      'destinations[2].id: "a" is listed twice',
      'retry.factor: must be a number, got "fast"',
      'retry.speed: unknown key (known keys: baseDelayMs, maxDelayMs, factor, jitter, probeIntervalMs)',
      'profilePack.identifierSystems.maLk: must be text, got number',
      'profilePack.codeMaps.MA_KHOA: must map local codes to national codes (text), got "K01"',
      expect.stringMatching(/^profilePack\.extra: unknown key/),
      'updates.url: must be an https:// URL of the update feed, got "file:///x"',
      'updates.channel: must be a channel name such as "latest" or "beta", got "Beta!"',
      'overrides.9417: the key must be a 5-character MA_CSKCB',
      'overrides.94170.sources: a facility override may set only destinations, retry, logging, retention, profilePack, updates',
      // Keys the document may not have come last: first the unknown, then the operator's own.
      expect.stringMatching(/^colour: unknown key \(known keys: version, facilities/),
      'facility: is a local setting of each facility; a ministry document cannot set it',
      'sources: is a local setting of each facility; a ministry document cannot set it',
    ]);
  });

  it('requires a version and an object', () => {
    expect(problems({})).toEqual(['version: is required; an integer, larger than every earlier document']);
    expect(problems([1])).toEqual(['the document must be a JSON object']);
  });
});

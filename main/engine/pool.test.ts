// The conversion engine on real threads running the built converters (`npm run build` first).
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../paths.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { hosoOf, manyClaims } from '../../test/support/claimXml.js';
import { ConversionEngine, type EngineResult } from './pool.js';
import { mapInOrder } from './inOrder.js';
import { convertRecord } from './convertRecord.js';
import { parseHosoXml } from '../../connectors/formats/xml130/envelope/envelope.js';

const NOW = new Date('2026-03-01T08:00:00Z');
const MISBEHAVING = pathToFileURL(join(PACKAGE_ROOT, 'test', 'fixtures', 'engine', 'misbehavingTask.mjs'));

const engines: ConversionEngine[] = [];
function engine(opts: ConstructorParameters<typeof ConversionEngine>[0]): ConversionEngine {
  const e = new ConversionEngine(opts);
  engines.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

const job = (raw: string, validate = true) => ({ format: 'xml130', raw, facilityCode: '94170', now: NOW, validate });
const maLkOf = (r: EngineResult) => (r.ok ? (JSON.parse(r.bundle.toString('utf8')) as { identifier: { value: string } }).identifier.value : `${r.code}`);

describe('conversion engine', () => {
  it('gives every record the same result as converting it in-process, in input order', async () => {
    const claims = manyClaims(24, 'ORD');
    const e = engine({ threads: 2 });
    const got: { maLk: string; result: EngineResult }[] = [];
    for await (const { item, result } of mapInOrder(claims, (c) => e.convert(job(hosoOf(c))), 6)) got.push({ maLk: item.maLk, result });
    expect(got.map((g) => maLkOf(g.result))).toEqual(claims.map((c) => c.maLk));
    const ctx = { facilityCode: '94170', now: NOW, profilePack: defaultProfilePack() };
    for (const [i, g] of got.entries()) {
      const expected = convertRecord('xml130', hosoOf(claims[i]!), ctx, { validate: true });
      if (!expected.ok || !g.result.ok) throw new Error(`record ${i} did not convert`);
      expect(g.result.bundle.toString('utf8')).toBe(expected.bundleJson);
      expect([g.result.issuesJson, g.result.entryCount, g.result.orderKey, g.result.qualityJson]).toEqual([expected.issuesJson, expected.entryCount, expected.orderKey, expected.qualityJson]);
      // Per-record outputs come back with it, e.g. the search fields read from the bundle in the thread.
      expect(g.result.outputs).toEqual(expected.outputs);
      expect(JSON.parse(g.result.outputs.searchFieldsJson!)).toMatchObject({ maBn: expect.any(String) });
    }
    expect(e.stats).toEqual({ converted: 24, crashed: 0, timedOut: 0, replaced: 0 });
  });

  it('converts a claim record handed over as split as it converts its stored text, validating or not', async () => {
    const claims = manyClaims(4, 'SPL');
    const e = engine({ threads: 1, validates: false });
    const ctx = { facilityCode: '94170', now: NOW, profilePack: defaultProfilePack() };
    for (const validate of [false, true]) {
      for (const c of claims) {
        const stored = hosoOf(c);
        const split = { raw: parseHosoXml(stored), format: 'xml130', facilityCode: '94170', now: NOW, validate };
        const got = await e.convert(split);
        const expected = convertRecord('xml130', stored, ctx, { validate });
        if (!expected.ok || !got.ok) throw new Error(`${c.maLk} did not convert`);
        expect(got.bundle.toString('utf8')).toBe(expected.bundleJson);
        expect([got.issuesJson, got.qualityJson, got.findingsJson, got.naturalKey]).toEqual([expected.issuesJson, expected.qualityJson, expected.findingsJson, expected.naturalKey]);
      }
    }
    // The thread started without the validator and loaded it for the first record to validate.
    expect(e.stats).toEqual({ converted: 8, crashed: 0, timedOut: 0, replaced: 0 });
  });

  it('reports a bad record as invalid with the converter reason, thread kept', async () => {
    const e = engine({ threads: 1 });
    const bad = await e.convert(job(hosoOf({ maLk: 'BAD1', rawXml1Base64: 'not*base64' })));
    expect(bad).toMatchObject({ ok: false, code: 'BAD_BASE64' });
    const unknown = await e.convert({ ...job('x'), format: 'pdf' });
    expect(unknown).toMatchObject({ ok: false, code: 'FORMAT_UNKNOWN', message: 'no converter for format "pdf"' });
    expect(maLkOf(await e.convert(job(hosoOf({ maLk: 'GOOD1' }))))).toBe('GOOD1');
    expect(e.stats.replaced).toBe(0);
  });

  it('contains a record that hangs its thread and one that crashes it: reasons given, threads replaced, the rest converted in order', async () => {
    // Without validation: threads start in a fraction of the time, the containment is the same.
    const e = engine({ threads: 1, timeLimitMs: 3000, timeLimitPerMiBMs: 0, taskModule: MISBEHAVING, validates: false });
    const records = [
      hosoOf({ maLk: 'BEFORE' }),
      '<HOSO>HANG-THIS-THREAD</HOSO>',
      hosoOf({ maLk: 'BETWEEN' }),
      '<HOSO>CRASH-THIS-THREAD</HOSO>',
      hosoOf({ maLk: 'AFTER' }),
    ];
    const results: EngineResult[] = [];
    for await (const { result } of mapInOrder(records, (r) => e.convert(job(r, false)), records.length)) results.push(result);
    expect(results.map(maLkOf)).toEqual(['BEFORE', 'CONVERT_TIMEOUT', 'BETWEEN', 'CONVERTER_CRASHED', 'AFTER']);
    const [, hung, , crashed] = results;
    expect(hung).toMatchObject({ ok: false, message: 'converting this record took longer than 3 s and was stopped; the record is kept and can be retried' });
    expect(crashed).toMatchObject({ ok: false, message: expect.stringContaining('the conversion thread crashed on this record (simulated fault in the conversion thread)') });
    expect(e.stats).toEqual({ converted: 3, crashed: 1, timedOut: 1, replaced: 2 });
    // The healed pool goes on converting.
    expect(maLkOf(await e.convert(job(hosoOf({ maLk: 'LATER' }), false)))).toBe('LATER');
  });

  it('gives a larger record a longer time limit, in proportion to its size', async () => {
    const e = engine({ threads: 1, timeLimitMs: 60_000, timeLimitPerMiBMs: 5_000, validates: false });
    expect(e.timeLimitFor('x'.repeat(10))).toBe(60_000);
    expect(e.timeLimitFor(new Uint8Array(200 * 1024 ** 2))).toBe(60_000 + 200 * 5_000);
  });

  it('refuses records once closed', async () => {
    const e = engine({ threads: 1 });
    await e.close();
    await expect(e.convert(job(hosoOf({ maLk: 'X' })))).rejects.toThrow('the conversion engine is closed');
  });
});

describe('mapInOrder', () => {
  it('gives out what was read before the input failed, then the failure', async () => {
    async function* input() {
      yield 1;
      yield 2;
      throw new Error('input broke');
    }
    const seen: number[] = [];
    const run = async () => {
      for await (const { result } of mapInOrder(input(), async (n) => n * 10, 8)) seen.push(result);
    };
    await expect(run()).rejects.toThrow('input broke');
    expect(seen).toEqual([10, 20]);
  });
});

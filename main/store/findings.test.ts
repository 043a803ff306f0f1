// Claim-check findings in the store (migration 9): written with the conversion outcome, replaced
// on a new conversion, counted per rule per day and summed into the daily score. Expected
// numbers are worked out by hand from the records built below.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import { localDayKey, localDayStart } from './reports.js';
import { storedFindings } from '../pipeline/claimFindings.js';
import type { CompactFinding } from '../../connectors/formats/xml130/checks/findings.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vhr-findings-'));
  store = Store.open(join(dir, 'agent.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const day = localDayStart(new Date(2026, 2, 10, 12).getTime());
const nextDay = localDayStart(day + 36 * HOUR);
const EMPTY_BUNDLE = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] });
const GIVEN_EARLY: CompactFinding = ['XML2.NGAY_TH_YL.BEFORE_ORDER', 'XML2', 3, 'NGAY_TH_YL'];
const PLACEHOLDER: CompactFinding = ['ANY.PLACEHOLDER', 'XML13', 1, 'GIAY_CHUYEN_TUYEN'];
const NO_DIAGNOSIS: CompactFinding = ['XML1.MA_BENH_CHINH.REQUIRED', 'XML1', 1, 'MA_BENH_CHINH'];
const json = (f: CompactFinding[]) => storedFindings(JSON.stringify(f));

function receive(key: string, at: number): number {
  return store.insertMessage({ sourceId: 'his', format: 'xml130', raw: Buffer.from(`<HOSO>${key}</HOSO>`), naturalKey: `94170|${key}` }, at).id;
}
function convert(id: string | number, at: number, findings: CompactFinding[] | null, missing: string[] = []): void {
  store.markConverted(Number(id), EMPTY_BUNDLE, '{"warnings":[]}', 0, ['province'], at, null, { missing, normalised: 0 }, findings ? json(findings) : null);
}
function deliver(id: number, at: number): void {
  store.markDelivered(id, 'province', 'ok', { messageId: id, destinationId: 'province', startedAt: at, durationMs: 5, outcome: 'delivered', httpStatus: 200 }, at);
}

describe('claim-check findings per record', () => {
  it('are stored with the conversion, read back as written, and replaced by a new conversion', () => {
    const a = receive('A', day + 10 * HOUR);
    convert(a, day + 10 * HOUR, [GIVEN_EARLY, GIVEN_EARLY, PLACEHOLDER]);
    expect(JSON.parse(store.findingsOf(a)!)).toEqual([GIVEN_EARLY, GIVEN_EARLY, PLACEHOLDER]);
    convert(a, day + 11 * HOUR, []);
    expect(store.findingsOf(a)).toBe('[]');
    expect(store.findingCountsByDay(day, day)).toEqual([]);
    // An HL7v2 message (or a record not converted yet) was not checked: null, not "no findings".
    const b = receive('B', day + 10 * HOUR);
    expect(store.findingsOf(b)).toBeNull();
    convert(b, day + 10 * HOUR, null);
    expect(store.findingsOf(b)).toBeNull();
  });

  it('are kept for a record that could not be converted', () => {
    const id = receive('D', day + 10 * HOUR);
    store.markInvalid(id, 'FHIR_INVALID', 'bad', null, day + 10 * HOUR, json([GIVEN_EARLY]));
    expect(JSON.parse(store.findingsOf(id)!)).toEqual([GIVEN_EARLY]);
  });
});

describe('reports: findings per rule per day and the đúng – đủ – sạch – sống score', () => {
  beforeEach(() => {
    // Day 1: A has two đúng findings of one rule and a sạch one, delivered an hour after receipt.
    const a = receive('A', day + 10 * HOUR);
    convert(a, day + 10 * HOUR, [GIVEN_EARLY, GIVEN_EARLY, PLACEHOLDER]);
    deliver(a, day + 11 * HOUR);
    // B lacks its diagnosis (đủ), delivered 30 hours after receipt (not sống).
    const b = receive('B', day + 10 * HOUR);
    convert(b, day + 10 * HOUR, [NO_DIAGNOSIS]);
    deliver(b, day + 40 * HOUR);
    // C has no finding but a required field was missing at conversion (not đủ); not delivered.
    convert(receive('C', day + 10 * HOUR), day + 10 * HOUR, [], ['MA_BN']);
    // D could not be converted (not đúng) but its checks ran.
    const d = receive('D', day + 10 * HOUR);
    store.markInvalid(d, 'FHIR_INVALID', 'bad', null, day + 10 * HOUR, json([GIVEN_EARLY]));
    // E is still waiting for conversion: not counted.
    receive('E', day + 10 * HOUR);
    // Day 2: one record with one finding.
    convert(receive('F', nextDay + 9 * HOUR), nextDay + 9 * HOUR, [PLACEHOLDER]);
  });

  it('counts records and findings of each rule on the day the records came in', () => {
    const rows = store.findingCountsByDay(day, nextDay);
    const of = (d: number, rule: string) => rows.find((r) => r.day === localDayKey(d) && r.rule === rule);
    expect(of(day, 'XML2.NGAY_TH_YL.BEFORE_ORDER')).toEqual({ day: localDayKey(day), rule: 'XML2.NGAY_TH_YL.BEFORE_ORDER', severity: 'error', dimension: 'correct', records: 2, findings: 3 });
    expect(of(day, 'ANY.PLACEHOLDER')).toMatchObject({ severity: 'warning', dimension: 'clean', records: 1, findings: 1 });
    expect(of(day, 'XML1.MA_BENH_CHINH.REQUIRED')).toMatchObject({ severity: 'error', dimension: 'sufficient', records: 1, findings: 1 });
    expect(rows.filter((r) => r.day === localDayKey(day))).toHaveLength(3);
    expect(rows.filter((r) => r.day === localDayKey(nextDay))).toEqual([expect.objectContaining({ rule: 'ANY.PLACEHOLDER', records: 1, findings: 1 })]);
  });

  it('scores each day as the mean share of checked records meeting each dimension', () => {
    const [first, second] = store.scoreByDay(day, nextDay);
    // checked A B C D; đúng: B C; đủ: A D; sạch: B C D; sống: A → (2 + 2 + 3 + 1) / 16 = 50 %.
    expect(first).toEqual({ day: localDayKey(day), checked: 4, correct: 2, sufficient: 2, clean: 3, alive: 1, score: 50 });
    // F: đúng, đủ, not sạch, not delivered → 2 / 4.
    expect(second).toEqual({ day: localDayKey(nextDay), checked: 1, correct: 1, sufficient: 1, clean: 0, alive: 0, score: 50 });
    expect(store.scoreByDay(nextDay + 48 * HOUR, nextDay + 48 * HOUR)[0]).toMatchObject({ checked: 0, score: null });
  });
});

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { Bundle, Condition, DiagnosticReport, Encounter, Immunization, Medication, MedicationRequest, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureR4DefinitionsLoaded, hasErrors, validateR4 } from '../../fhir/validator.js';
import { defaultProfilePack, withAssigningAuthorities } from '../../profile-pack/index.js';
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { convertHl7v2Message } from './convert.js';
import { sharedSamplesDir } from '../../../test/support/sharedSamples.js';

const root = join(import.meta.dirname, '../../..');
const samplesDir = sharedSamplesDir('hl7v2');
const goldens = join(root, 'test/golden/hl7v2');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const ctx = (): ConvertContext => ({ facilityCode: '79001', now: new Date('2026-03-01T00:00:00Z'), profilePack: defaultProfilePack() });
const convert = (text: string | Buffer, c: ConvertContext = ctx()): ConvertOutcome => convertHl7v2Message(typeof text === 'string' ? Buffer.from(text) : text, c);
const fixture = (name: string): Buffer => readFileSync(join(samplesDir, name));

function ok(out: ConvertOutcome): Extract<ConvertOutcome, { ok: true }> {
  if (!out.ok) throw new Error(`conversion failed: ${out.code} ${out.message}`);
  return out;
}
const resources = <T extends Resource>(b: Bundle, type: T['resourceType']): T[] =>
  (b.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);

beforeAll(() => ensureR4DefinitionsLoaded());

describe('HL7v2 samples → golden outcomes', () => {
  const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.hl7'));

  it('covers every sample', () => {
    expect(samples.length).toBeGreaterThanOrEqual(19);
  });

  // Goldens are written only with UPDATE_GOLDEN=1; a missing one is a failure, not a new baseline.
  it.each(samples)('%s matches its golden file, and converts to a bundle that passes base R4 validation', (name) => {
    const out = convert(fixture(name));
    const golden = join(goldens, name.replace(/\.hl7$/, '.json'));
    if (UPDATE) {
      mkdirSync(goldens, { recursive: true });
      writeFileSync(golden, `${JSON.stringify(out, null, 2)}\n`);
    }
    if (!existsSync(golden)) throw new Error(`no golden file ${golden}: run with UPDATE_GOLDEN=1 and read the diff`);
    expect(out).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
    if (out.ok) {
      expect(validateR4(out.bundle).filter((i) => i.severity === 'error')).toEqual([]);
      expect(out.bundle.type).toBe('transaction');
      for (const e of out.bundle.entry ?? []) expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
    }
  });

  it('converts every sample, the doubled-escape header with a warning that says what was read', () => {
    for (const name of samples) expect(convert(fixture(name)), name).toMatchObject({ ok: true });
    const lfh = ok(convert(fixture('lfh-sample_unix.hl7')));
    expect(lfh.warnings).toContainEqual(expect.objectContaining({ code: 'HL7V2_ENCODING_CHARACTERS_REPAIRED', field: 'MSH-2' }));
    expect(resources<Patient>(lfh.bundle, 'Patient')[0]!.name?.[0]?.family).toBe('DOE');
  });

  it('still refuses a message type that carries no clinical data, naming it', () => {
    const out = convert('MSH|^~\\&|A|B|C|D|20260301||ACK^A01|X1|P|2.5\rMSA|AA|Y1');
    expect(out).toMatchObject({ ok: false, code: 'HL7V2_UNSUPPORTED_MESSAGE', field: 'MSH-9' });
  });
});

describe('HL7v2 mapping rules', () => {
  it('A01 then A03 for the same visit update one Encounter (same id), finished with an end', () => {
    const admit = ok(convert(fixture('ADT-A01-01.hl7')));
    const discharge = ok(convert(fixture('ADT-A03-01.hl7')));
    const [e1] = resources<Encounter>(admit.bundle, 'Encounter');
    const [e3] = resources<Encounter>(discharge.bundle, 'Encounter');
    expect(e1!.id).toBe(e3!.id);
    expect(e1!.status).toBe('in-progress');
    expect(e3!.status).toBe('finished');
    expect(e3!.period).toEqual({ start: '2015-02-08T11:34:19+01:10', end: '2015-02-09T11:34:19+01:10' });
    expect(resources<Patient>(admit.bundle, 'Patient')[0]!.id).toBe(resources<Patient>(discharge.bundle, 'Patient')[0]!.id);
  });

  it('A11 cancels the visit of the A01 (same Encounter id, status cancelled)', () => {
    const admit = resources<Encounter>(ok(convert(fixture('ADT-A01-01.hl7'))).bundle, 'Encounter')[0]!;
    const cancel = resources<Encounter>(ok(convert(fixture('ADT-A11-01.hl7'))).bundle, 'Encounter')[0]!;
    expect(cancel.id).toBe(admit.id);
    expect(cancel.status).toBe('cancelled');
  });

  it('A40 links the two patients both ways', () => {
    const out = ok(convert(fixture('ADT-A40-01.hl7')));
    const [survivor, prior] = resources<Patient>(out.bundle, 'Patient');
    expect(survivor!.identifier?.[0]?.value).toBe('12345');
    expect(prior!.identifier?.[0]?.value).toBe('56789');
    expect(survivor!.link).toEqual([{ other: { reference: `Patient/${prior!.id}` }, type: 'replaces' }]);
    expect(prior!.link).toEqual([{ other: { reference: `Patient/${survivor!.id}` }, type: 'replaced-by' }]);
    expect(prior!.active).toBe(false);
  });

  it('re-converting gives identical ids: PUT entries make a re-send harmless', () => {
    const a = ok(convert(fixture('ORU-R01-01.hl7'))).bundle.entry!.map((e) => e.request!.url);
    const b = ok(convert(fixture('ORU-R01-01.hl7'))).bundle.entry!.map((e) => e.request!.url);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
  });

  const vn = (pid3: string, extra = ''): string =>
    [
      'MSH|^~\\&|HIS|BV01|VHR|SYT|20260301083000||ADT^A01^ADT_A01|VN-1|P|2.5||||||UNICODE UTF-8',
      'EVN|A01|20260301083000',
      `PID|1||${pid3}||NGUYỄN^VĂN AN||19800215|M|||12 Lê Lợi^^Huế^^^VNM${extra}`,
      pv1({ 2: 'I', 3: 'K01^101^2', 7: 'BS01^TRẦN^BÌNH', 19: 'VV0001', 44: '20260301080000' }),
    ].join('\r');
  function pv1(fields: Record<number, string>): string {
    const out = Array.from({ length: 45 }, (_, i) => fields[i] ?? '');
    out[0] = 'PV1';
    out[1] = '1';
    return out.join('|');
  }

  it('maps PID-3 assigning authorities to VN Core systems (CCCD, BHYT, facility MRN) and the pack can extend the map', () => {
    const out = ok(convert(vn('001080012345^^^BCA^NNVNM~HN4790123456789^^^BHXH^HC~BN0042^^^BV01^MR~77^^^LOCALX^XX')));
    const patient = resources<Patient>(out.bundle, 'Patient')[0]!;
    expect(patient.identifier?.map((i) => [i.system, i.value])).toEqual([
      ['http://fhir.hl7.org.vn/core/sid/cccd', '001080012345'],
      ['http://fhir.hl7.org.vn/core/sid/bhyt', 'HN4790123456789'],
      ['http://fhir.hl7.org.vn/core/sid/ma-bn/79001', 'BN0042'],
      ['urn:vhr:79001:hl7v2:aa:LOCALX', '77'],
    ]);
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'HL7V2_AUTHORITY_NOT_MAPPED', field: 'PID-3' }));
    const pack = defaultProfilePack();
    pack.codeMaps['hl7v2.assigningAuthority'] = { LOCALX: 'passport' };
    const custom = ok(convert(vn('77^^^LOCALX^XX'), { ...ctx(), profilePack: pack }));
    expect(resources<Patient>(custom.bundle, 'Patient')[0]!.identifier?.[0]?.system).toBe('http://fhir.hl7.org.vn/core/sid/passport');
  });

  it('two assigning authorities, same PID-3 value: two Patients with two systems', () => {
    const a = resources<Patient>(ok(convert(vn('PATID1234^^^BVA^MR'))).bundle, 'Patient')[0]!;
    const b = resources<Patient>(ok(convert(vn('PATID1234^^^BVB^MR'))).bundle, 'Patient')[0]!;
    expect(a.id).not.toBe(b.id);
    expect(a.identifier?.[0]).toMatchObject({ system: 'urn:vhr:79001:hl7v2:aa:BVA', value: 'PATID1234', assigner: { display: 'BVA' } });
    expect(b.identifier?.[0]).toMatchObject({ system: 'urn:vhr:79001:hl7v2:aa:BVB', value: 'PATID1234' });
    // The sending facility's own MRN (authority = MSH-4, or none) is the facility's ma-bn.
    const own = resources<Patient>(ok(convert(vn('PATID1234^^^BV01^MR'))).bundle, 'Patient')[0]!;
    const bare = resources<Patient>(ok(convert(vn('PATID1234^^^^MR'))).bundle, 'Patient')[0]!;
    expect(own.identifier?.[0]?.system).toBe('http://fhir.hl7.org.vn/core/sid/ma-bn/79001');
    expect(bare.id).toBe(own.id);
    expect(new Set([a.id, b.id, own.id]).size).toBe(3);
  });

  it('order numbers keep their authority too: the same filler number from two labs is two reports', () => {
    const oru = (lab: string) =>
      [
        'MSH|^~\\&|LIS|BV01|HIS|BV01|20260301090000||ORU^R01^ORU_R01|R-' + lab + '|P|2.5',
        'PID|1||BN0042^^^BV01^MR||NGUYỄN^VĂN AN||19800215|M',
        `OBR|1||1001^${lab}|718-7^Hemoglobin^LN|||20260301083000|||||||||||||||20260301090000|||F`,
        'OBX|1|NM|718-7^Hemoglobin^LN||135|g/L|||||F',
      ].join('\r');
    const a = ok(convert(oru('LABA'))).bundle;
    const b = ok(convert(oru('LABB'))).bundle;
    const [ra] = resources<DiagnosticReport>(a, 'DiagnosticReport');
    const [rb] = resources<DiagnosticReport>(b, 'DiagnosticReport');
    expect(ra!.id).not.toBe(rb!.id);
    expect(ra!.identifier?.[0]).toMatchObject({ system: 'urn:vhr:79001:hl7v2:aa:LABA', value: '1001' });
    expect(resources(a, 'Patient')[0]!.id).toBe(resources(b, 'Patient')[0]!.id);
  });

  it('config maps a facility authority to a VN Core system: another facility\'s ma-bn, or a URI', () => {
    const pack = withAssigningAuthorities(defaultProfilePack(), { BVA: 'mrn@79024', BVB: 'http://example.org/mpi' });
    const c = { ...ctx(), profilePack: pack };
    const a = resources<Patient>(ok(convert(vn('PATID1234^^^BVA^MR'), c)).bundle, 'Patient')[0]!;
    const b = resources<Patient>(ok(convert(vn('PATID1234^^^BVB^MR'), c)).bundle, 'Patient')[0]!;
    expect(a.identifier?.[0]?.system).toBe('http://fhir.hl7.org.vn/core/sid/ma-bn/79024');
    expect(b.identifier?.[0]?.system).toBe('http://example.org/mpi');
    expect(a.id).not.toBe(b.id);
  });

  it('keeps every address component: the whole street (each SAD subcomponent), other designation, district', () => {
    const out = ok(convert(vn('BN0042^^^BV01^MR').replace('12 Lê Lợi^^Huế^^^VNM', '1000&Hospital Lane&12B^Tầng 3^Huế^TT^530000^VNM^H^Phường Phú Hội^PX01')));
    const address = resources<Patient>(out.bundle, 'Patient')[0]!.address?.[0];
    expect(address).toMatchObject({
      use: 'home',
      line: ['1000', 'Hospital Lane', '12B', 'Tầng 3'],
      city: 'Huế',
      state: 'TT',
      postalCode: '530000',
      country: 'VNM',
      district: 'PX01',
    });
    expect(address?.text).toContain('Phường Phú Hội');
  });

  it('an A01 without a visit number (PV1-19) still makes an Encounter, keyed on patient and admit time', () => {
    const noVisit = vn('BN0042^^^BV01^MR').replace('VV0001', '');
    const out = ok(convert(noVisit));
    const [enc] = resources<Encounter>(out.bundle, 'Encounter');
    expect(enc).toBeDefined();
    expect(enc!.subject?.reference).toBe(`Patient/${resources<Patient>(out.bundle, 'Patient')[0]!.id}`);
    expect(enc!.period?.start).toBe('2026-03-01T08:00:00+07:00');
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'HL7V2_VISIT_WITHOUT_NUMBER', field: 'PV1-19' }));
    // Same patient and admit time in a later message: the same Encounter.
    const again = ok(convert(noVisit.replace('VN-1', 'VN-2')));
    expect(resources<Encounter>(again.bundle, 'Encounter')[0]!.id).toBe(enc!.id);
    // Neither visit number nor admit time: still an Encounter, this message's own.
    const bare = ok(convert(noVisit.replace('20260301080000', '')));
    expect(resources<Encounter>(bare.bundle, 'Encounter')).toHaveLength(1);
  });

  it('writes timestamps without an offset as Vietnam time (+07:00) and keeps given offsets', () => {
    const out = ok(convert(vn('BN0042^^^BV01^MR')));
    const enc = resources<Encounter>(out.bundle, 'Encounter')[0]!;
    expect(enc.period?.start).toBe('2026-03-01T08:00:00+07:00');
    const patient = resources<Patient>(out.bundle, 'Patient')[0]!;
    expect(patient.birthDate).toBe('1980-02-15');
    expect(patient.name?.[0]).toMatchObject({ family: 'NGUYỄN', given: ['VĂN AN'], text: 'NGUYỄN VĂN AN' });
    expect(patient.meta?.profile).toEqual(['http://fhir.hl7.org.vn/core/StructureDefinition/vn-core-patient']);
    const a01 = ok(convert(fixture('ADT-A01-01.hl7')));
    expect(resources<Patient>(a01.bundle, 'Patient')[0]!.birthDate).toBe('1988-08-18');
  });

  it('decodes by MSH-18, and a per-source charset override wins over a wrong MSH-18', () => {
    const text = vn('BN0042^^^BV01^MR');
    // A HIS that writes windows-1258 (tone marks as combining characters: Â + grave = Ầ)
    // but declares ISO 8859-1 in MSH-18.
    const cp1258Text = text.replace('UNICODE UTF-8', '8859/1').replace('NGUYỄN^VĂN AN', 'TR\u00C2\u0300N^AN');
    const bytes = iconv.encode(cp1258Text, 'windows-1258');
    const wrong = ok(convert(bytes));
    expect(resources<Patient>(wrong.bundle, 'Patient')[0]!.name?.[0]?.family).toBe('TRÂÌN');
    const right = ok(convertHl7v2Message(bytes, ctx(), { charset: 'windows-1258' }));
    expect(resources<Patient>(right.bundle, 'Patient')[0]!.name?.[0]?.family).toBe('TRẦN');
    const utf8 = ok(convert(Buffer.from(text, 'utf8')));
    expect(resources<Patient>(utf8.bundle, 'Patient')[0]!.address?.[0]?.line).toEqual(['12 Lê Lợi']);
  });

  it('reports segments and fields that no mapping read', () => {
    const out = ok(convert(fixture('ADT-A01-01.hl7')));
    expect(out.notMapped).toEqual(expect.arrayContaining(['SFT', 'ACC', 'GT1-4', 'PID-10', 'PV1-16']));
    expect(out.notMapped).not.toContain('PV1-5');
    expect(out.notMapped).not.toContain('ROL');
    expect(out.notMapped).not.toContain('PID-3');
    expect(out.notMapped).not.toContain('PID-1');
  });

  it('ORU^R01: one DiagnosticReport per OBR, each referencing its Observations', () => {
    const out = ok(convert(fixture('LAB-ORU-1.hl7')));
    const reports = resources(out.bundle, 'DiagnosticReport');
    expect(reports).toHaveLength(2);
    const obs = resources<Observation>(out.bundle, 'Observation');
    expect(obs).toHaveLength(10);
    const rbc = obs.find((o) => o.code.coding?.[0]?.code === '11273-0')!;
    expect(rbc).toMatchObject({ status: 'preliminary', valueQuantity: { value: 4.06, unit: 'tera.l-1' }, effectiveDateTime: '2014-10-06T06:27:00+07:00' });
  });

  it('VXU^V04: Immunization with vaccine, lot, route and site', () => {
    const imm = resources<Immunization>(ok(convert(fixture('VXU-V04-01.hl7'))).bundle, 'Immunization')[0]!;
    expect(imm).toMatchObject({
      status: 'completed',
      occurrenceDateTime: '2021-08-18',
      lotNumber: '315841',
      expirationDate: '2021-12-16',
      primarySource: true,
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '49281021588', display: 'TENIVAC' }] },
      doseQuantity: { value: 0.5, unit: 'mL' },
    });
    expect(imm.route?.coding?.[0]?.code).toBe('C28161');
    expect(imm.site?.coding?.[0]?.code).toBe('RD');
  });

  it('keeps text-only OBX (no OBX-3) as Observations under the order code, every line', () => {
    const out = ok(convert(fixture('lfh-ORU-multiline-short.hl7')));
    const texts = resources<Observation>(out.bundle, 'Observation').map((o) => [o.code.coding?.[0]?.code, o.valueString]);
    expect(texts).toContainEqual(['1487', '[PII] Emergency Department']);
    expect(texts).toContainEqual(['1487', 'ED Encounter Arrival Date: [ADDRESS] [PERSONALNAME]:']);
    expect(new Set(resources(out.bundle, 'Observation').map((o) => o.id)).size).toBe(texts.length);
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'HL7V2_OBSERVATION_WITHOUT_CODE' }));
  });

  it('PPR^PC1: a problem-list Condition with its ICD-9 code and status', () => {
    const [condition] = resources<Condition>(ok(convert(fixture('PC1-Problem-Add-v2.3.1.hl7'))).bundle, 'Condition');
    expect(condition).toMatchObject({
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-9-cm', code: '596.5', display: 'BLADDER DYSFUNCTION' }] },
      category: [{ coding: [{ code: 'problem-list-item' }] }],
      clinicalStatus: { coding: [{ code: 'active' }] },
      identifier: [{ value: '26744' }],
    });
  });

  it('RDE^O11: a MedicationRequest with its drug, dose, route and dispense amount', () => {
    const out = ok(convert(fixture('RDE-O11-01.hl7')));
    const requests = resources<MedicationRequest>(out.bundle, 'MedicationRequest');
    expect(requests.length).toBeGreaterThan(0);
    const [rx] = requests;
    expect(rx!.status).toBe('active');
    expect(rx!.intent).toBe('order');
    expect(rx!.subject.reference).toBe(`Patient/${resources<Patient>(out.bundle, 'Patient')[0]!.id}`);
    // RXE-2 with RXC components: a compound Medication, referenced.
    const medication = out.bundle.entry!.find((e) => `Medication/${e.resource!.id}` === rx!.medicationReference?.reference)?.resource as Medication;
    expect(medication.code?.coding?.[0]).toMatchObject({ system: 'http://hl7.org/fhir/sid/ndc', code: '0143963401' });
    expect(medication.ingredient).toHaveLength(2);
    expect(rx!.dosageInstruction?.[0]).toMatchObject({ route: { coding: [{ code: 'IV', display: 'Intravenous' }] }, doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg/hr' } }] });
    expect(rx!.authoredOn).toBe('2019-11-04T06:27:26+02:15');
  });

  it('refuses a message without a usable PID', () => {
    const out = convert('MSH|^~\\&|A|B|C|D|20260301||ADT^A01|X1|P|2.5\rEVN|A01|20260301');
    expect(out).toMatchObject({ ok: false, code: 'HL7V2_NO_PATIENT' });
  });

  it('validation catches nothing in a converted VN message', () => {
    const out = ok(convert(vn('001080012345^^^BCA^NNVNM')));
    expect(hasErrors(validateR4(out.bundle))).toBe(false);
  });
});

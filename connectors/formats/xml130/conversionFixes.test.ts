// What the pre-submission review revealed about conversion, on the shared samples (read from
// ../shared): emergencies marked, numbers as Quantity, MA_LYDO_CT as its code, Coverage per
// facility, Condition names from the diagnosis text, one care-team member per practitioner.
import { createReadStream } from 'node:fs';
import type { Bundle, Claim, Condition, Coverage, Encounter, Observation, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { hasErrors, validateR4 } from '../../fhir/validator.js';
import { defaultProfilePack } from '../../profile-pack/index.js';
import { convertClaimRecord } from './convert.js';
import { hosoToXml, splitEnvelope } from './envelope/envelope.js';
import { cleanRecord, recordFiles, sampleFile } from '../../../test/support/claimChecks.js';

const pack = defaultProfilePack();

async function bundleOf(name: string, facilityCode = '00000'): Promise<Bundle> {
  for await (const ev of splitEnvelope(createReadStream(sampleFile(name)))) {
    if (ev.kind !== 'hoso') continue;
    const outcome = convertClaimRecord(hosoToXml(ev.hoso), { facilityCode, now: new Date('2026-03-20T08:00:00Z'), profilePack: pack });
    if (!outcome.ok) throw new Error(`${name}: ${outcome.code} ${outcome.message}`);
    expect(hasErrors(validateR4(outcome.bundle))).toBe(false);
    return outcome.bundle;
  }
  throw new Error(`${name} holds no record`);
}

const all = <T extends Resource>(b: Bundle, type: T['resourceType']) => (b.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);

describe('emergency visits', () => {
  it.each(['emergency.xml', 'emergency-referral-xml13.xml'])('%s (MA_DOITUONG_KCB 02): class EMER, priority EM, visit type 2 (cấp cứu)', async (name) => {
    const [enc] = all<Encounter>(await bundleOf(name), 'Encounter');
    expect(enc!.class).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' });
    expect(enc!.priority?.coding).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority', code: 'EM', display: 'emergency' }]);
    const visitType = enc!.extension?.find((e) => e.url === 'http://fhir.hl7.org.vn/core/StructureDefinition/vn-ext-insurance-visit-type');
    expect(visitType?.valueCodeableConcept?.coding?.[0]).toMatchObject({ system: 'http://fhir.hl7.org.vn/core/CodeSystem/vn-insurance-visit-type-cs', code: '2' });
  });
  it('an ordinary visit stays ambulatory, without priority or visit type', async () => {
    const [enc] = all<Encounter>(await bundleOf('outpatient-visit.xml'), 'Encounter');
    expect(enc!.class.code).toBe('AMB');
    expect(enc!.priority).toBeUndefined();
    expect(enc!.extension?.some((e) => e.url.endsWith('vn-ext-insurance-visit-type'))).toBe(false);
  });
  it('an emergency admitted as an inpatient: class IMP, the first phase EMER', () => {
    const r = cleanRecord();
    r.XML1.MA_DOITUONG_KCB = '2';
    const outcome = convertClaimRecord(hosoToXml({ files: recordFiles(r) }), { facilityCode: '94170', now: new Date('2026-03-20T08:00:00Z'), profilePack: pack });
    if (!outcome.ok) throw new Error(outcome.message);
    const [enc] = all<Encounter>(outcome.bundle, 'Encounter');
    expect(enc!.class.code).toBe('IMP');
    expect(enc!.classHistory?.map((h) => h.class.code)).toEqual(['EMER', 'IMP']);
    expect(enc!.priority?.coding?.[0]?.code).toBe('EM');
  });
});

describe('numeric results', () => {
  it('are Quantities with or without a unit; text stays text', async () => {
    const obs = all<Observation>(await bundleOf('emergency.xml'), 'Observation');
    const numericNoUnit = obs.filter((o) => o.valueQuantity && o.valueQuantity.unit === undefined);
    expect(numericNoUnit).toHaveLength(22); // the 22 rows the check reports as lacking a unit
    expect(obs.filter((o) => o.valueString !== undefined && /^[+-]?\d+([.,]\d+)?$/.test(o.valueString))).toEqual([]);
  });
});

describe('the referral reason (XML13 MA_LYDO_CT)', () => {
  it('is its code, with the sentence kept as text', async () => {
    const [referral] = all<ServiceRequest>(await bundleOf('emergency-referral-xml13.xml'), 'ServiceRequest').filter((s) => s.category?.[0]?.coding?.[0]?.code === '3457005');
    const reason = referral!.reasonCode!.find((r) => r.coding?.[0]?.system?.endsWith('vn-referral-reason-cs'));
    expect(reason?.coding?.[0]?.code).toBe('2');
    expect(reason?.text).toBe('Theo yêu cầu của người bệnh hoặc người đại diện hợp pháp của người bệnh');
  });
});

describe('Coverage identity', () => {
  it('is scoped by facility: the same card from two facilities gives two Coverages', async () => {
    const a = all<Coverage>(await bundleOf('outpatient-visit.xml'), 'Coverage');
    const xml = hosoToXml({ files: recordFiles({ ...cleanRecord(), XML1: { ...cleanRecord().XML1, MA_THE_BHYT: 'AK2921794823346', MA_CSKCB: '94001' } }) });
    const other = convertClaimRecord(xml, { facilityCode: '94001', now: new Date('2026-03-20T08:00:00Z'), profilePack: pack });
    if (!other.ok) throw new Error(other.message);
    const b = all<Coverage>(other.bundle, 'Coverage');
    expect(a[0]!.subscriberId).toBe('AK2921794823346');
    expect(b[0]!.subscriberId).toBe('AK2921794823346');
    expect(a[0]!.id).not.toBe(b[0]!.id);
    const urls = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Coverage').map((e) => e.request?.url);
    expect(urls(other.bundle)).not.toEqual(urls(await bundleOf('outpatient-visit.xml')));
  });
});

describe('Condition names', () => {
  it('come from the diagnosis text written beside the codes', async () => {
    const conds = all<Condition>(await bundleOf('inpatient-30-drugs.xml'), 'Condition');
    const byCode = new Map(conds.flatMap((c) => (c.code?.coding?.[0]?.code ? [[c.code.coding[0].code, c.code.coding[0].display]] : [])));
    // CHAN_DOAN_RV: "(J18.9) Viêm phổi, không đặc hiệu; (I10) Bệnh lý tăng huyết áp"
    expect(byCode.get('J18.9')).toBe('Viêm phổi, không đặc hiệu');
    expect(byCode.get('I10')).toBe('Bệnh lý tăng huyết áp');
  });
});

describe('the Claim care team', () => {
  it('lists each practitioner once, even when they both order and perform', async () => {
    const [claim] = all<Claim>(await bundleOf('emergency-referral-xml13.xml'), 'Claim');
    const providers = claim!.careTeam!.map((m) => m.provider.identifier?.value ?? m.provider.reference);
    expect(new Set(providers).size).toBe(providers.length);
    // 411221/ST-CCHN ordered every service and performed the consultation: one member, primary
    const doctor = claim!.careTeam!.filter((m) => m.provider.identifier?.value === '411221/ST-CCHN');
    expect(doctor).toHaveLength(1);
    expect(doctor[0]!.role?.coding?.[0]?.code).toBe('primary');
    expect(claim!.careTeam!.map((m) => m.provider.identifier?.value).sort()).toEqual(['339617/CT-CCHN', '411221/ST-CCHN']);
  });
});

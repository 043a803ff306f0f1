// Every table of the samples against the bundle: each row of XML2, XML3 and XML4 is
// counted in the resources it must produce, and the values that carry money, time and
// codes are checked exactly.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Appointment,
  Bundle,
  Claim,
  ClinicalImpression,
  DiagnosticReport,
  DocumentReference,
  MedicationRequest,
  Observation,
  Patient,
  Procedure,
  RelatedPerson,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { hasErrors, validateR4 } from '../../fhir/validator.js';
import { defaultProfilePack } from '../../profile-pack/index.js';
import type { ConvertContext } from '../types.js';
import { convertClaimRecord } from './convert.js';
import { hosoToXml, splitEnvelope, type FileHoso } from './envelope/envelope.js';
import { storedHosoXml, xmlElements } from './envelope/storedForm.js';
import { sharedSamplesDir } from '../../../test/support/sharedSamples.js';

const fixtures = sharedSamplesDir('xml130');
const ctx: ConvertContext = { facilityCode: '00000', now: new Date('2026-03-20T08:00:00Z'), profilePack: defaultProfilePack() };

interface Sample {
  bundle: Bundle;
  /** Decoded inner documents by LOAIHOSO. */
  inner: Map<string, string>;
  notMapped: string[];
}

async function load(name: string): Promise<Sample> {
  let header = {};
  let files: FileHoso[] = [];
  let stored = '';
  for await (const ev of splitEnvelope(createReadStream(join(fixtures, name)))) {
    if (ev.kind === 'header') header = ev.header;
    else {
      files = ev.hoso.files;
      stored = hosoToXml(ev.hoso, header);
    }
  }
  const out = convertClaimRecord(stored, ctx);
  if (!out.ok) throw new Error(out.message);
  const inner = new Map(files.map((f) => [f.loaiHoso, Buffer.from(f.noiDungFile, 'base64').toString('utf8')]));
  return { bundle: out.bundle, inner, notMapped: out.notMapped };
}

/** Rows of an inner table, counted by their row element (independently of the converter's reader). */
function rowCount(sample: Sample, table: string, rowElement: string): number {
  return (sample.inner.get(table)?.match(new RegExp(`<${rowElement}>`, 'g')) ?? []).length;
}

function all<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);
}

/** An element's values in row order, read from the inner XML text. */
function column(sample: Sample, table: string, element: string): string[] {
  const re = new RegExp(`<${element}>(?:<!\\[CDATA\\[)?([\\s\\S]*?)(?:\\]\\]>)?</${element}>|<${element}/>`, 'g');
  return [...(sample.inner.get(table) ?? '').matchAll(re)].map((m) => (m[1] ?? '').trim());
}

const SAMPLES = ['outpatient-visit.xml', 'inpatient-delivery.xml', 'inpatient-bom-cdata-xml5.xml'] as const;

describe.each(SAMPLES)('%s: every row of the line tables is in the bundle', (name) => {
  it('XML2: one MedicationRequest and one Claim line per drug row', async () => {
    const s = await load(name);
    const rows = rowCount(s, 'XML2', 'CHI_TIET_THUOC');
    expect(rows).toBeGreaterThan(0);
    const requests = all<MedicationRequest>(s.bundle, 'MedicationRequest');
    expect(requests).toHaveLength(rows);
    const codes = column(s, 'XML2', 'MA_THUOC');
    expect(requests.map((r) => r.medicationCodeableConcept?.coding?.[0]?.code)).toEqual(codes);
    const [claim] = all<Claim>(s.bundle, 'Claim');
    const drugLines = claim!.item!.filter((i) => i.productOrService.coding?.[0]?.system === 'http://fhir.hl7.org.vn/core/CodeSystem/vn-active-ingredient-cs');
    expect(drugLines).toHaveLength(rows);
    expect(drugLines.map((i) => i.net?.value)).toEqual(column(s, 'XML2', 'THANH_TIEN_BV').map(Number));
  });

  it('XML3: one Claim line per row; clinical services also as ServiceRequest + Procedure', async () => {
    const s = await load(name);
    const rows = rowCount(s, 'XML3', 'CHI_TIET_DVKT');
    const groups = column(s, 'XML3', 'MA_NHOM');
    const supplies = column(s, 'XML3', 'MA_VAT_TU');
    const clinical = groups.filter((g, i) => !supplies[i] && !['12', '13', '14', '15', '16'].includes(g)).length;
    const [claim] = all<Claim>(s.bundle, 'Claim');
    const xml2Rows = rowCount(s, 'XML2', 'CHI_TIET_THUOC');
    expect(claim!.item).toHaveLength(xml2Rows + rows);
    const serviceLines = claim!.item!.slice(xml2Rows);
    expect(serviceLines.map((i) => i.net?.value)).toEqual(column(s, 'XML3', 'THANH_TIEN_BV').map(Number));
    const procedures = all<Procedure>(s.bundle, 'Procedure');
    const orders = all<ServiceRequest>(s.bundle, 'ServiceRequest').filter((r) => r.id !== undefined && r.category === undefined);
    expect(procedures).toHaveLength(clinical);
    expect(orders).toHaveLength(clinical);
    for (const p of procedures) expect(orders.map((o) => `urn:uuid:${o.id}`)).toContain(p.basedOn?.[0]?.reference);
  });

  it('XML4: one Observation per row, one DiagnosticReport per ordered service', async () => {
    const s = await load(name);
    const rows = rowCount(s, 'XML4', 'CHI_TIET_CLS');
    expect(rows).toBeGreaterThan(0);
    const observations = all<Observation>(s.bundle, 'Observation').filter((o) => o.category?.[0]?.coding?.[0]?.code !== 'vital-signs');
    expect(observations).toHaveLength(rows);
    const services = new Set(column(s, 'XML4', 'MA_DICH_VU'));
    const reports = all<DiagnosticReport>(s.bundle, 'DiagnosticReport');
    expect(reports).toHaveLength(services.size);
    expect(reports.flatMap((r) => r.result ?? [])).toHaveLength(rows);
    const byRef = new Map(observations.map((o) => [`urn:uuid:${o.id}`, o]));
    for (const r of reports) for (const res of r.result ?? []) expect(byRef.has(res.reference!)).toBe(true);
  });

  it('validates with no errors and leaves nothing unmapped but the signer of XML14', async () => {
    const s = await load(name);
    expect(hasErrors(validateR4(s.bundle))).toBe(false);
    expect(s.notMapped).toEqual(['XML14/MA_TTDV']);
  });
});

describe('values of the line tables', () => {
  it('keeps money exact, in VND, including decimal commas and negative amounts', async () => {
    const s = await load('inpatient-bom-cdata-xml5.xml');
    const [claim] = all<Claim>(s.bundle, 'Claim');
    expect(claim!.total).toEqual({ value: 2634500, currency: 'VND' });
    const summary = claim!.extension?.find((e) => e.url.endsWith('vn-ext-claim-cost-summary'));
    expect(summary?.extension?.find((e) => e.url === 'totalPatientCopay')?.valueMoney).toEqual({ value: 173980, currency: 'VND' });
    const first = claim!.item![0]!;
    const lineSummary = first.extension?.find((e) => e.url.endsWith('vn-ext-claim-cost-summary'));
    expect(lineSummary?.extension?.find((e) => e.url === 'totalPatientCopay')?.valueMoney).toEqual({ value: 518.4, currency: 'VND' });
    expect(claim!.extension?.find((e) => e.url.endsWith('vn-ext-claim-payment-period'))?.extension).toEqual([
      { url: 'year', valueInteger: 2026 },
      { url: 'month', valueInteger: 3 },
    ]);
    const o = await load('outpatient-visit.xml');
    const [c2] = all<Claim>(o.bundle, 'Claim');
    const negative = c2!.item![0]!.extension?.find((e) => e.url.endsWith('vn-ext-claim-cost-summary'))?.extension?.find((e) => e.url === 'totalPatientPay');
    expect(negative?.valueMoney).toEqual({ value: -24510, currency: 'VND' });
  });

  it('writes lab values as Quantity when numeric (with the unit when written), else as the string written', async () => {
    const s = await load('inpatient-bom-cdata-xml5.xml');
    const obs = all<Observation>(s.bundle, 'Observation');
    const na = obs.find((o) => o.code.coding?.[0]?.code === '119Na');
    expect(na?.valueQuantity).toEqual({ value: 110.3, unit: 'mmol/L' });
    expect(na?.effectiveDateTime).toBe('2026-03-16T16:31:00+07:00');
    const d = await load('inpatient-delivery.xml');
    const glu = all<Observation>(d.bundle, 'Observation').find((o) => o.code.coding?.[0]?.code === 'S70');
    expect(glu?.valueString).toBe('Negative');
    const sg = all<Observation>(d.bundle, 'Observation').find((o) => o.code.coding?.[0]?.code === 'S64');
    // specific gravity has no unit in the file: still a number
    expect(sg?.valueQuantity).toEqual({ value: 1.02 });
    expect(sg?.valueString).toBeUndefined();
  });

  it('carries the imaging conclusion on the DiagnosticReport and the findings on its Observation', async () => {
    const s = await load('outpatient-visit.xml');
    const [report] = all<DiagnosticReport>(s.bundle, 'DiagnosticReport');
    expect(report!.conclusion).toBe('GAN NHIỄM MỠ NHẸ\nKHUNG ĐẠI TRÀNG NHIỀU HƠI');
    expect(report!.code.coding?.[0]?.code).toBe('18.0015.0001');
    const [procedure] = all<Procedure>(s.bundle, 'Procedure');
    expect(report!.basedOn?.[0]?.reference).toBe(procedure!.basedOn?.[0]?.reference);
    const findings = all<Observation>(s.bundle, 'Observation').find((o) => o.category?.[0]?.coding?.[0]?.code === 'imaging');
    expect(findings?.valueString).toMatch(/^GAN: {2}Chủ mô dày sáng/);
  });
});

describe('clinical course, papers, birth certificate and appointment', () => {
  it('XML5: one ClinicalImpression per note, in order, with time and author', async () => {
    const s = await load('inpatient-bom-cdata-xml5.xml');
    const notes = all<ClinicalImpression>(s.bundle, 'ClinicalImpression');
    expect(notes).toHaveLength(rowCount(s, 'XML5', 'CHI_TIET_DIEN_BIEN_BENH'));
    expect(notes.map((n) => n.effectiveDateTime)).toEqual(['2026-03-16T17:42:00+07:00', '2026-03-17T07:33:00+07:00', '2026-03-18T08:50:00+07:00', '2026-03-19T07:31:00+07:00']);
    expect(notes[0]!.assessor).toEqual({ type: 'Practitioner', identifier: { system: 'http://fhir.hl7.org.vn/core/sid/gphn', value: '639429/CT-GPHN' } });
    expect(notes[1]!.description).toBe('bệnh tỉnh, tiếp xúc tốt, chi ấm, thở đều, mạch rõ, bụng mềm, phổi trong');
  });

  it('XML7 and XML8: DocumentReferences holding the whole paper as text', async () => {
    const s = await load('inpatient-bom-cdata-xml5.xml');
    const docs = all<DocumentReference>(s.bundle, 'DocumentReference');
    expect(docs.map((d) => d.type?.coding?.[0]?.code)).toEqual(['XML7', 'XML8']);
    const text = Buffer.from(docs[0]!.content[0]!.attachment.data!, 'base64').toString('utf8');
    expect(text).toContain('PP_DIEUTRI: Truyền NaCl 3%, ức chế tiết acid, nâng đỡ tổng trạng.');
    expect(docs[0]!.identifier).toEqual([{ system: 'http://fhir.hl7.org.vn/core/sid/so-luu-tru/94170', value: '477123/42' }]);
    expect(docs[0]!.content[0]!.attachment.creation).toBe('2026-03-19');
  });

  it('XML9: the newborn, linked to the mother, with the birth weight', async () => {
    const s = await load('inpatient-delivery.xml');
    const patients = all<Patient>(s.bundle, 'Patient');
    expect(patients).toHaveLength(2);
    const baby = patients[1]!;
    expect(baby.name?.[0]?.text).toBe('Pham Thi Dung');
    expect(baby.gender).toBe('male');
    expect(baby.birthDate).toBe('2026-02-15');
    const [mother] = all<RelatedPerson>(s.bundle, 'RelatedPerson');
    expect(mother!.patient.reference).toBe(`urn:uuid:${baby.id}`);
    expect(mother!.identifier).toContainEqual({ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: '554467116662' });
    const weight = all<Observation>(s.bundle, 'Observation').find((o) => o.code.coding?.[0]?.code === '8339-4');
    expect(weight?.valueQuantity).toEqual({ value: 2250, unit: 'g', system: 'http://unitsofmeasure.org', code: 'g' });
    expect(weight?.subject?.reference).toBe(`urn:uuid:${baby.id}`);
    expect(weight?.effectiveDateTime).toBe('2026-02-15T15:00:00+07:00');
  });

  it('XML14: the re-visit Appointment for the day written', async () => {
    const s = await load('outpatient-visit.xml');
    const [appt] = all<Appointment>(s.bundle, 'Appointment');
    expect(appt!.status).toBe('proposed');
    expect(appt!.requestedPeriod).toEqual([{ start: '2026-03-09', end: '2026-03-09' }]);
    expect(appt!.identifier?.[0]?.value).toBe('3545657');
  });

  it('XML13: a referral ServiceRequest to the receiving facility', () => {
    const tongHop = `<TONG_HOP>${xmlElements({ MA_LK: 'LK13', MA_BN: 'B1', HO_TEN: 'Lê Thị C', MA_CSKCB: '94170', NGAY_VAO: '202603010800', MA_LOAI_KCB: '03', MA_LOAI_RV: '2', MA_NOI_DEN: '79001', GIAY_CHUYEN_TUYEN: 'CT-9' })}</TONG_HOP>`;
    const giay = `<CHI_TIEU_GIAYCHUYENTUYEN>${xmlElements({ MA_LK: 'LK13', SO_CHUYENTUYEN: '12', GIAY_CHUYEN_TUYEN: 'CT-9', MA_NOI_DI: '94170', MA_NOI_DEN: '79001', MA_BENH_CHINH: 'I21.0', MA_LYDO_CT: '1', MA_BAC_SI: '000286/LA-GPHN', DAU_HIEU_LS: 'Đau ngực' })}</CHI_TIEU_GIAYCHUYENTUYEN>`;
    const out = convertClaimRecord(storedHosoXml([['XML1', tongHop], ['XML13', giay]]), ctx);
    if (!out.ok) throw new Error(out.message);
    const [referral] = all<ServiceRequest>(out.bundle, 'ServiceRequest');
    expect(referral!.performer).toEqual([{ type: 'Organization', identifier: { system: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb', value: '79001' } }]);
    expect(referral!.identifier).toEqual([{ system: 'http://fhir.hl7.org.vn/core/sid/giay-chuyen-tuyen/94170', value: 'CT-9' }]);
    expect(referral!.reasonCode?.map((c) => c.coding?.[0]?.code)).toEqual(['1', 'I21.0']);
    expect(out.notMapped).toEqual([]);
    expect(hasErrors(validateR4(out.bundle))).toBe(false);
  });

  it('reports a table it does not map (XML6) as a whole', () => {
    const tongHop = `<TONG_HOP>${xmlElements({ MA_LK: 'LK6', MA_BN: 'B6', MA_CSKCB: '94170' })}</TONG_HOP>`;
    const hiv = '<CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS><DSACH_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS><HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS><MA_LK>LK6</MA_LK><BDDT_ARV>20250101</BDDT_ARV></HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS></DSACH_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS></CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS>';
    const out = convertClaimRecord(storedHosoXml([['XML1', tongHop], ['XML6', hiv]]), ctx);
    expect(out.ok && out.notMapped).toEqual(['XML6']);
  });

  it('reads 4210-era line tables without the CHITIEU wrapper', () => {
    const tongHop = `<TONG_HOP>${xmlElements({ MA_LK: 'L4', MA_BN: 'B4', MA_CSKCB: '79025', MA_THE: 'HT4790123456789', NGAY_VAO: '201709010800' })}</TONG_HOP>`;
    const thuoc = `<DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC>${xmlElements({ MA_LK: 'L4', STT: '1', MA_THUOC: '40.17', TEN_THUOC: 'Oxy', SO_LUONG: '2', DON_GIA: '1000', THANH_TIEN: '2000', TYLE_TT: '100' })}</CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC>`;
    const out = convertClaimRecord(storedHosoXml([['XML1', tongHop], ['XML2', thuoc]]), ctx);
    if (!out.ok) throw new Error(out.message);
    expect(all<MedicationRequest>(out.bundle, 'MedicationRequest')).toHaveLength(1);
    const [claim] = all<Claim>(out.bundle, 'Claim');
    expect(claim!.item?.[0]?.net).toEqual({ value: 2000, currency: 'VND' });
    expect(out.notMapped).toEqual([]);
  });
});

/** SHA-256 of the de-identified exports as received (see ../shared/samples/README.md). */
const SAMPLE_SHA256: Record<string, string> = {
  'outpatient-visit.xml': 'e11598aaeb212d12bff799490af9bf02fc078f7315d9bb7ad0a928b5c4a47be0',
  'inpatient-delivery.xml': '357cadba09fc443ad6d7609bd463350a71bfd54dc784068a51c4ef12d65d2838',
  'inpatient-bom-cdata-xml5.xml': 'bdc8cf8b94c32798497070e7202762317c2c086e9c9ac24c83a6a264a6036c86',
};

it('the fixture files are the exported samples, byte for byte', () => {
  expect(Object.keys(SAMPLE_SHA256).sort()).toEqual([...SAMPLES].sort());
  for (const name of SAMPLES) {
    expect(createHash('sha256').update(readFileSync(join(fixtures, name))).digest('hex'), name).toBe(SAMPLE_SHA256[name]);
  }
});

describe('bad values in line tables', () => {
  it('keeps the row, warns once per field, and still counts it', () => {
    const tongHop = `<TONG_HOP>${xmlElements({ MA_LK: 'B1', MA_BN: 'P', MA_CSKCB: '94170', MA_THE_BHYT: 'HT4790123456789', NGAY_VAO: '202603010800' })}</TONG_HOP>`;
    const dvkt = `<CHITIEU_CHITIET_DVKT_VTYT><DSACH_CHI_TIET_DVKT><CHI_TIET_DVKT>${xmlElements({ MA_LK: 'B1', STT: '1', MA_DICH_VU: '22.0121.1369', MA_NHOM: '1', SO_LUONG: 'Nhóm 1', NGAY_YL: '2026031', THANH_TIEN_BV: '90000' })}</CHI_TIET_DVKT></DSACH_CHI_TIET_DVKT></CHITIEU_CHITIET_DVKT_VTYT>`;
    const out = convertClaimRecord(storedHosoXml([['XML1', tongHop], ['XML3', dvkt]]), ctx);
    if (!out.ok) throw new Error(out.message);
    expect(out.warnings.map((w) => w.field).filter((f) => f.startsWith('XML3'))).toEqual(['XML3[1]/NGAY_YL', 'XML3[1]/SO_LUONG']);
    expect(all<Procedure>(out.bundle, 'Procedure')).toHaveLength(1);
    const [claim] = all<Claim>(out.bundle, 'Claim');
    expect(claim!.item?.[0]).toMatchObject({ net: { value: 90000, currency: 'VND' } });
    expect(claim!.item?.[0]?.quantity).toBeUndefined();
    expect(hasErrors(validateR4(out.bundle))).toBe(false);
  });
});

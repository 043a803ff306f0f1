import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Claim, ClinicalImpression, Condition, Coverage, Encounter, Patient, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { hasErrors, validateR4 } from '../../fhir/validator.js';
import { defaultProfilePack } from '../../profile-pack/index.js';
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { convertClaimRecord } from './convert.js';
import { hosoToXml, splitEnvelope, splitHoso, type EnvelopeHeader, type HosoRecord } from './envelope/envelope.js';
import { storedHosoXml, xmlElements } from './envelope/storedForm.js';
import { sharedSamplesDir } from '../../../test/support/sharedSamples.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = sharedSamplesDir('xml130');
const goldens = join(root, 'test/golden/xml130');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Paths that legitimately change between runs (the conversion instant); removed before comparing. */
const VOLATILE_PATHS = ['bundle.timestamp'] as const;

const ctx: ConvertContext = { facilityCode: '00000', now: new Date('2026-03-20T08:00:00Z'), profilePack: defaultProfilePack() };

function withoutVolatile(outcome: ConvertOutcome): unknown {
  const copy = JSON.parse(JSON.stringify(outcome)) as Record<string, unknown>;
  for (const path of VOLATILE_PATHS) {
    const parts = path.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const p of parts.slice(0, -1)) node = node?.[p] as Record<string, unknown> | undefined;
    if (node) delete node[parts[parts.length - 1]!];
  }
  return copy;
}

async function convertFile(file: string): Promise<ConvertOutcome[]> {
  const out: ConvertOutcome[] = [];
  let header = {};
  for await (const ev of splitEnvelope(createReadStream(file))) {
    if (ev.kind === 'header') header = ev.header;
    else out.push(convertClaimRecord(hosoToXml(ev.hoso, header), ctx));
  }
  return out;
}

function resources<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);
}

function ok(outcome: ConvertOutcome) {
  if (!outcome.ok) throw new Error(`conversion failed: ${outcome.code} ${outcome.message}`);
  return outcome;
}

const samples = readdirSync(fixtures).filter((f) => f.endsWith('.xml'));

describe('claim XML samples → golden bundles', () => {
  it('has the six samples', () => {
    expect(samples.sort()).toEqual([
      'emergency-referral-xml13.xml',
      'emergency.xml',
      'inpatient-30-drugs.xml',
      'inpatient-bom-cdata-xml5.xml',
      'inpatient-delivery.xml',
      'outpatient-visit.xml',
    ]);
  });
  it.each(samples)('%s matches its golden file and validates', async (name) => {
    const outcomes = await convertFile(join(fixtures, name));
    expect(outcomes).toHaveLength(1);
    const actual = withoutVolatile(outcomes[0]!);
    const golden = join(goldens, name.replace(/\.xml$/, '.json'));
    // A golden is written only on request, and then read back like any other: a missing one fails.
    if (UPDATE) {
      mkdirSync(goldens, { recursive: true });
      writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
    }
    if (!existsSync(golden)) throw new Error(`golden file ${golden} is missing: write it with UPDATE_GOLDEN=1, then read its diff`);
    expect(actual).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
    const issues = validateR4(ok(outcomes[0]!).bundle);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(hasErrors(issues)).toBe(false);
  });
});

describe('outpatient-visit sample, values', () => {
  it('maps XML1 to Patient, Encounter, Conditions, Coverage and the facility', async () => {
    const [outcome] = await convertFile(join(fixtures, 'outpatient-visit.xml'));
    const { bundle, naturalKey } = ok(outcome!);
    expect(naturalKey).toBe('94170|OP62317537');
    expect(bundle.type).toBe('transaction');
    expect(bundle.identifier).toMatchObject({ system: 'http://fhir.hl7.org.vn/core/sid/ma-lk', value: 'OP62317537' });
    for (const e of bundle.entry ?? []) {
      expect(e.fullUrl).toBe(`urn:uuid:${e.resource!.id}`);
      expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
      expect(e.resource!.meta?.profile?.[0]).toMatch(/^http:\/\/fhir\.hl7\.org\.vn\/core\/StructureDefinition\/vn-core-/);
    }
    const [patient] = resources<Patient>(bundle, 'Patient');
    expect(patient!.identifier).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: '771512744463' }),
        expect.objectContaining({ system: 'http://fhir.hl7.org.vn/core/sid/bhyt', value: 'AK2921794823346' }),
        expect.objectContaining({ system: 'http://fhir.hl7.org.vn/core/sid/ma-bn/94170', value: 'PC741535311' }),
      ]),
    );
    expect(patient!.name).toEqual([{ use: 'official', text: 'NGUYEN VAN AN', family: 'NGUYEN', given: ['VAN AN'] }]);
    expect(patient!.gender).toBe('female');
    expect(patient!.birthDate).toBe('1991-01-01');
    expect(patient!.telecom).toEqual([{ system: 'phone', value: '3727134172' }]);
    expect(patient!.address?.[0]?.extension).toEqual([
      { url: 'http://fhir.hl7.org.vn/core/StructureDefinition/vn-ext-province', valueCoding: { system: 'http://fhir.hl7.org.vn/core/CodeSystem/vn-province-cs', code: '92' } },
      { url: 'http://fhir.hl7.org.vn/core/StructureDefinition/vn-ext-ward', valueCoding: { system: 'http://fhir.hl7.org.vn/core/CodeSystem/vn-ward-cs', code: '31654' } },
    ]);
    const [encounter] = resources<Encounter>(bundle, 'Encounter');
    expect(encounter!.period).toEqual({ start: '2026-02-23T14:26:00+07:00', end: '2026-02-23T17:25:00+07:00' });
    expect(encounter!.class.code).toBe('AMB');
    expect(encounter!.type?.[0]?.coding?.[0]).toMatchObject({ system: 'http://fhir.hl7.org.vn/core/CodeSystem/vn-encounter-type-cs', code: '01' });
    expect(encounter!.hospitalization?.dischargeDisposition?.coding?.[0]?.code).toBe('1');
    const conditions = resources<Condition>(bundle, 'Condition');
    expect(conditions.map((c) => c.code?.coding?.[0]?.code ?? c.code?.text)).toEqual([
      'R10',
      'N72',
      '(R10) Đau bụng và vùng chậu; (N72) Viêm cổ tử cung',
      '(R10) Đau bụng và vùng chậu; (N72) Viêm cổ tử cung',
    ]);
    expect(conditions[0]!.meta?.profile).toEqual(['http://fhir.hl7.org.vn/core/StructureDefinition/vn-core-condition-diagnosis']);
    expect(encounter!.diagnosis?.map((d) => d.condition.reference)).toEqual(conditions.map((c) => `urn:uuid:${c.id}`));
    expect(encounter!.diagnosis?.map((d) => d.use?.coding?.[0]?.code)).toEqual(['DD', 'DD', 'AD', 'DD']);
    const refs = JSON.stringify(bundle).match(/urn:uuid:[0-9a-f-]{36}/g) ?? [];
    const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
    for (const r of refs) expect(fullUrls.has(r)).toBe(true);
  });

  it('is deterministic: the same record gives the same ids', async () => {
    const a = ok((await convertFile(join(fixtures, 'outpatient-visit.xml')))[0]!);
    const b = ok((await convertFile(join(fixtures, 'outpatient-visit.xml')))[0]!);
    expect(a.bundle.entry?.map((e) => e.fullUrl)).toEqual(b.bundle.entry?.map((e) => e.fullUrl));
  });
});

const XML1_130 = {
  MA_LK: 'LK001', STT: '1', MA_BN: 'BN01', HO_TEN: 'Trần Thị Bình', NGAY_SINH: '198503070000', GIOI_TINH: '2',
  DIA_CHI: 'Phường 1', MA_THE_BHYT: 'HT4790123456789', MA_DKBD: '79001', GT_THE_TU: '20260101', GT_THE_DEN: '20261231',
  MA_BENH_CHINH: 'J02.9', MA_BENH_KT: 'K29.7;I10', NGAY_VAO: '202603011000', NGAY_RA: '202603011130', KET_QUA_DTRI: '1',
  MA_LOAI_RV: '1', MA_LOAI_KCB: '01', MA_CSKCB: '79025',
};
const XML1_4210 = {
  MA_LK: 'LK001', STT: '1', MA_BN: 'BN01', HO_TEN: 'Trần Thị Bình', NGAY_SINH: '19850307', GIOI_TINH: '2',
  DIA_CHI: 'Phường 1', MA_THE: 'HT4790123456789', MA_DKBD: '79001', GT_THE_TU: '20260101', GT_THE_DEN: '20261231',
  MA_BENH: 'J02.9', MA_BENHKHAC: 'K29.7;I10', NGAY_VAO: '202603011000', NGAY_RA: '202603011130', KET_QUA_DTRI: '1',
  TINH_TRANG_RV: '1', MA_LOAI_KCB: '1', MA_CSKCB: '79025',
};
const tongHop = (fields: Record<string, string | undefined>) => `<TONG_HOP>${xmlElements(fields)}</TONG_HOP>`;

describe('4210-era XML1', () => {
  it('gives the same Patient, Encounter and Conditions as its 130 equivalent', () => {
    const a = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(XML1_130)]]), ctx));
    const b = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(XML1_4210)]]), ctx));
    for (const type of ['Patient', 'Encounter', 'Condition', 'Coverage', 'Organization'] as const) {
      expect(resources(b.bundle, type)).toEqual(resources(a.bundle, type));
    }
    expect(resources<Condition>(a.bundle, 'Condition')).toHaveLength(3);
    expect(b.notMapped).toEqual(a.notMapped);
    expect(b.warnings).toEqual([]);
  });
});

describe('input quirks', () => {
  it('reads a BOM, an inner declaration, CDATA and HTML entities', () => {
    const inner = `\uFEFF\n<?xml version="1.0" encoding="utf-8"?>\n<TONG_HOP>\n<MA_LK>LK9</MA_LK>\n<HO_TEN><![CDATA[Lê Văn  Cường]]></HO_TEN>\n<DIA_CHI>Th&ocirc;n 3 &amp; x&atilde; B</DIA_CHI>\n<MA_CSKCB>94170</MA_CSKCB>\n</TONG_HOP>`;
    const out = ok(convertClaimRecord(storedHosoXml([['XML1', inner]]), ctx));
    const [patient] = resources<Patient>(out.bundle, 'Patient');
    expect(patient!.name?.[0]?.text).toBe('Lê Văn Cường');
    expect(patient!.address?.[0]?.text).toBe('Thôn 3 & xã B');
    expect(out.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'XML130_ENTITY_ESCAPED', field: 'XML1' })]));
  });

  it('treats literal null and undefined as absent, and does not report them as unmapped', () => {
    const out = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop({ ...XML1_130, DIEN_THOAI: 'null', NHOM_MAU: 'undefined' })]]), ctx));
    const [patient] = resources<Patient>(out.bundle, 'Patient');
    expect(patient!.telecom).toBeUndefined();
    expect(out.notMapped.filter((n) => n.includes('DIEN_THOAI') || n.includes('NHOM_MAU'))).toEqual([]);
  });

  it('refuses a record whose XML1 is not base64, with a readable message', () => {
    const stored = hosoToXml({ files: [{ loaiHoso: 'XML1', noiDungFile: 'PFRPTkdf*SE9Q' }] });
    const out = convertClaimRecord(stored, ctx);
    expect(out).toMatchObject({ ok: false, code: 'BAD_BASE64' });
    expect(!out.ok && out.message).toBe('XML1: NOIDUNGFILE is not base64: character "*" at position 8');
  });

  it('refuses a record without XML1, with XML1 not XML, or without MA_LK', () => {
    expect(convertClaimRecord(storedHosoXml([['XML2', '<X/>']]), ctx)).toMatchObject({ ok: false, code: 'XML1_MISSING' });
    expect(convertClaimRecord(storedHosoXml([['XML1', 'MA_LK=1']]), ctx)).toMatchObject({ ok: false, code: 'XML1_NOT_XML' });
    expect(convertClaimRecord(storedHosoXml([['XML1', '<TONG_HOP><MA_LK>1</TONG_HOP>']]), ctx)).toMatchObject({ ok: false, code: 'XML1_NOT_XML' });
    expect(convertClaimRecord(storedHosoXml([['XML1', tongHop({ ...XML1_130, MA_LK: 'null' })]]), ctx)).toMatchObject({ ok: false, code: 'MA_LK_MISSING' });
    expect(convertClaimRecord('<FOO/>', ctx)).toMatchObject({ ok: false, code: 'RECORD_MALFORMED' });
  });

  it('keeps the record when another table is unreadable, and says so', () => {
    const stored = hosoToXml({ files: [{ loaiHoso: 'XML1', noiDungFile: Buffer.from(tongHop(XML1_130)).toString('base64') }, { loaiHoso: 'XML2', noiDungFile: '@@@' }] });
    const out = ok(convertClaimRecord(stored, ctx));
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'XML130_TABLE_UNREADABLE', field: 'XML2' }));
    expect(out.notMapped).toContain('XML2');
  });

  it('warns about a bad field and keeps the rest', () => {
    const out = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop({ ...XML1_130, NGAY_SINH: '19851399', GIOI_TINH: 'Nam', MA_BENH_KT: 'K297;xx' })]]), ctx));
    const [patient] = resources<Patient>(out.bundle, 'Patient');
    expect(patient!.birthDate).toBeUndefined();
    expect(patient!.gender).toBe('unknown');
    expect(out.warnings.map((w) => w.field)).toEqual(['XML1/MA_BENH_KT', 'XML1/GIOI_TINH', 'XML1/NGAY_SINH']);
    expect(resources<Condition>(out.bundle, 'Condition').map((c) => c.code?.coding?.[0]?.code)).toEqual(['J02.9', 'K29.7']);
    expect(Object.keys(out).sort()).toEqual(['bundle', 'naturalKey', 'notMapped', 'ok', 'warnings']);
    expect(hasErrors(validateR4(out.bundle))).toBe(false);
  });

  it('falls back to the envelope facility, then to the installation facility', () => {
    const { MA_CSKCB: _drop, ...noFacility } = XML1_130;
    const fromEnvelope = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(noFacility)]], '11111'), ctx));
    expect(fromEnvelope.naturalKey).toBe('11111|LK001');
    const fromInstall = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(noFacility)]]), ctx));
    expect(fromInstall.naturalKey).toBe('00000|LK001');
  });
});

describe('cards and eras', () => {
  it('gives one Coverage per card of a `;` list, the current card focal on the Claim', () => {
    const fields = { ...XML1_130, MA_THE_BHYT: 'HT4790123456789;DN4790123456780', MA_DKBD: '79001;79002', GT_THE_TU: '20250101;20260201', GT_THE_DEN: '20260131;20261231', T_TONGCHI_BV: '100000' };
    const out = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(fields)]]), ctx));
    const coverages = resources<Coverage>(out.bundle, 'Coverage');
    expect(coverages.map((c) => [c.subscriberId, c.period])).toEqual([
      ['HT4790123456789', { start: '2025-01-01', end: '2026-01-31' }],
      ['DN4790123456780', { start: '2026-02-01', end: '2026-12-31' }],
    ]);
    const [claim] = resources<Claim>(out.bundle, 'Claim');
    expect(claim!.insurance.map((i) => [i.focal, i.coverage.reference])).toEqual([
      [false, `urn:uuid:${coverages[0]!.id}`],
      [true, `urn:uuid:${coverages[1]!.id}`],
    ]);
    expect(claim!.total).toEqual({ value: 100000, currency: 'VND' });
  });

  it('reads a 4210-era clinical course (DIEN_BIEN, NGAY_YL) like its 130 form', () => {
    const note = (fields: Record<string, string>) =>
      `<DSACH_CHI_TIET_DIEN_BIEN_BENH><CHI_TIET_DIEN_BIEN_BENH>${xmlElements({ MA_LK: 'LK001', STT: '1', ...fields })}</CHI_TIET_DIEN_BIEN_BENH></DSACH_CHI_TIET_DIEN_BIEN_BENH>`;
    const a = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(XML1_130)], ['XML5', note({ DIEN_BIEN_LS: 'Sốt nhẹ', THOI_DIEM_DBLS: '202603011030' })]]), ctx));
    const b = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop(XML1_4210)], ['XML5', note({ DIEN_BIEN: 'Sốt nhẹ', NGAY_YL: '202603011030' })]]), ctx));
    expect(resources(b.bundle, 'ClinicalImpression')).toEqual(resources(a.bundle, 'ClinicalImpression'));
    expect(resources<ClinicalImpression>(a.bundle, 'ClinicalImpression')[0]).toMatchObject({ description: 'Sốt nhẹ', effectiveDateTime: '2026-03-01T10:30:00+07:00' });
  });

  it('names a 4210 element as written when it is bad', () => {
    const out = ok(convertClaimRecord(storedHosoXml([['XML1', tongHop({ ...XML1_4210, MA_BENH: 'Z' })]]), ctx));
    expect(out.warnings).toContainEqual(expect.objectContaining({ field: 'XML1/MA_BENH', code: 'XML130_INVALID_VALUE' }));
  });
});

describe('a claim record handed over as split from its envelope', () => {
  async function split(bytes: AsyncIterable<Buffer | Uint8Array>): Promise<{ header: EnvelopeHeader; hoso: HosoRecord[] }> {
    let header: EnvelopeHeader = {};
    const hoso: HosoRecord[] = [];
    for await (const ev of splitEnvelope(bytes)) {
      if (ev.kind === 'header') header = ev.header;
      else hoso.push(ev.hoso);
    }
    return { header, hoso };
  }

  it.each(samples)('%s converts as its stored form does', async (name) => {
    const { header, hoso } = await split(createReadStream(join(fixtures, name)));
    for (const h of hoso) expect(convertClaimRecord(splitHoso(h, header), ctx)).toEqual(convertClaimRecord(hosoToXml(h, header), ctx));
  });

  it('says why a table whose base64 holds "<" (written &lt; in the envelope) cannot be read', async () => {
    const xml1 = Buffer.from(tongHop(XML1_130), 'utf8').toString('base64');
    const envelope =
      '<GIAMDINHHS><THONGTINDONVI><MACSKCB>94170</MACSKCB></THONGTINDONVI><THONGTINHOSO><DANHSACHHOSO><HOSO>' +
      `<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${xml1}</NOIDUNGFILE></FILEHOSO>` +
      '<FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>PERT&lt;</NOIDUNGFILE></FILEHOSO>' +
      '</HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>';
    const { header, hoso } = await split((async function* () {
      yield Buffer.from(envelope, 'utf8');
    })());
    const out = ok(convertClaimRecord(splitHoso(hoso[0]!, header), ctx));
    expect(out.warnings).toContainEqual(expect.objectContaining({ field: 'XML2', message: 'XML2: NOIDUNGFILE is not base64: character "<" at position 4; the table is not converted' }));
    expect(out.notMapped).toContain('XML2');
  });
});

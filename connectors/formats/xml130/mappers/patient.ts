// XML1 (TONG_HOP) → Patient (vn-core-patient). See docs/mapping-xml130.md, "XML1 → Patient".
import type { Address, Element, Extension, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import { Xml130WarningCode, type MapContext } from './context.js';
import { birthDate, padCode, splitList } from './datatypes.js';
import { GENDER_FALLBACK } from './mappingTables.js';
import type { TableRow } from './row.js';

const CCCD = /^\d{12}$/;
const PASSPORT = /^[A-Z]\d{7,8}$/;

/**
 * The Patient's deterministic id (DESIGN §4.6): facility + MA_BN, else facility + CCCD,
 * else (with a warning from the caller) facility + MA_LK, so one record always has one patient.
 */
export function patientIdFor(maCskcb: string, maLk: string, maBn: string | undefined, soCccd: string | undefined): { id: string; basis: 'MA_BN' | 'SO_CCCD' | 'MA_LK' } {
  if (maBn) return { id: resourceId('Patient', maCskcb, maBn), basis: 'MA_BN' };
  if (soCccd && CCCD.test(soCccd)) return { id: resourceId('Patient', maCskcb, 'CCCD', soCccd), basis: 'SO_CCCD' };
  return { id: resourceId('Patient', maCskcb, 'MA_LK', maLk), basis: 'MA_LK' };
}

/** HO_TEN → HumanName: Vietnamese order is family name first, then middle and given names. */
export function vietnameseName(hoTen: string): HumanName {
  const text = hoTen.replace(/\s+/g, ' ').trim();
  const parts = text.split(' ');
  const name: HumanName = { use: 'official', text };
  if (parts.length > 1) {
    name.family = parts[0];
    name.given = [parts.slice(1).join(' ')];
  } else name.given = [text];
  return name;
}

function identifiers(ctx: MapContext, row: TableRow): Identifier[] {
  const { pack } = ctx;
  const out: Identifier[] = [];
  const soCccd = row.get('SO_CCCD');
  if (soCccd) {
    if (CCCD.test(soCccd)) out.push(pack.identifier('cccd', soCccd, { csKey: 'identifierType', code: 'CCCD' }));
    else if (PASSPORT.test(soCccd)) out.push(pack.identifier('passport', soCccd, { csKey: 'v2IdentifierType', code: 'PPN' }));
    else ctx.warn(Xml130WarningCode.invalidValue, row.field('SO_CCCD'), `SO_CCCD ${JSON.stringify(soCccd)} is neither a 12-digit citizen id nor a passport number; not sent`);
  }
  for (const card of splitList(row.peek('MA_THE_BHYT'))) {
    out.push(pack.identifier('bhyt', card, { csKey: 'identifierType', code: 'BHYT' }));
  }
  const maBn = row.get('MA_BN');
  if (maBn) out.push(pack.identifier('mrn', maBn, { csKey: 'v2IdentifierType', code: 'MR' }));
  return out;
}

function address(ctx: MapContext, row: TableRow): Address | undefined {
  const { pack } = ctx;
  const text = row.get('DIA_CHI');
  const province = row.get('MATINH_CU_TRU');
  const ward = row.get('MAXA_CU_TRU');
  if (!text && !province && !ward) return undefined;
  const extension: Extension[] = [];
  if (province) extension.push({ url: pack.ext('province'), valueCoding: pack.coding('province', padCode(province, 2)) });
  if (ward) extension.push({ url: pack.ext('ward'), valueCoding: pack.coding('ward', padCode(ward, 5)) });
  const a: Address = { use: 'home' };
  if (extension.length) a.extension = extension;
  if (text) a.text = text;
  a.country = 'VN';
  return a;
}

function demographicExtensions(ctx: MapContext, row: TableRow): Extension[] {
  const { pack } = ctx;
  const out: Extension[] = [];
  const danToc = row.get('MA_DANTOC');
  if (danToc) out.push(pack.codeExtension('ethnicity', 'ethnicity', padCode(danToc, 2)));
  const ngheNghiep = row.get('MA_NGHE_NGHIEP');
  if (ngheNghiep) out.push(pack.codeExtension('occupation', 'occupation', ngheNghiep));
  const quocTich = row.get('MA_QUOCTICH');
  if (quocTich) {
    out.push({ url: pack.ext('nationality'), extension: [{ url: 'code', valueCodeableConcept: pack.concept('nationality', padCode(quocTich, 3)) }] });
  }
  return out;
}

export function buildPatient(ctx: MapContext, row: TableRow): Patient {
  const { pack } = ctx;
  const patient: Patient = { resourceType: 'Patient', id: ctx.patientId, meta: pack.meta('Patient') };
  const ext = demographicExtensions(ctx, row);
  if (ext.length) patient.extension = ext;
  const ids = identifiers(ctx, row);
  if (ids.length) patient.identifier = ids;
  patient.active = true;
  const hoTen = row.get('HO_TEN');
  if (hoTen) patient.name = [vietnameseName(hoTen)];
  else ctx.warn(Xml130WarningCode.missingValue, row.field('HO_TEN'), 'HO_TEN (patient name) is empty');
  const phone = row.get('DIEN_THOAI');
  if (phone) patient.telecom = [{ system: 'phone', value: phone.replace(/[\s.-]/g, '') }];
  const gioiTinh = row.get('GIOI_TINH');
  if (gioiTinh) {
    const g = pack.mapCode('GIOI_TINH', gioiTinh);
    if (g === 'male' || g === 'female' || g === 'other' || g === 'unknown') patient.gender = g;
    else {
      patient.gender = GENDER_FALLBACK;
      ctx.warn(Xml130WarningCode.unknownCode, row.field('GIOI_TINH'), `GIOI_TINH ${JSON.stringify(gioiTinh)} is not 1, 2 or 3; sent as unknown`);
    }
  }
  const ngaySinh = row.get('NGAY_SINH');
  if (ngaySinh) {
    const b = birthDate(ngaySinh);
    if (b.ok) {
      patient.birthDate = b.value.date;
      // The primitive's own extension (`_birthDate`), which the generated types do not declare.
      if (b.value.time) (patient as Patient & { _birthDate?: Element })._birthDate = { extension: [{ url: pack.ext('birthTime'), valueDateTime: b.value.time }] };
    } else ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAY_SINH'), b.reason);
  } else ctx.warn(Xml130WarningCode.missingValue, row.field('NGAY_SINH'), 'NGAY_SINH (birth date) is empty');
  const addr = address(ctx, row);
  if (addr) patient.address = [addr];
  return patient;
}

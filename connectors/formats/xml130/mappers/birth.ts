// XML9 (DU_LIEU_GIAY_CHUNG_SINH, one row per baby) → the newborn's Patient, the mother as a
// RelatedPerson of the newborn, a birth-weight Observation and the birth certificate as a
// DocumentReference. XML1's CAN_NANG_CON (the same weights) is checked against the rows.
import type { Identifier, Observation, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import { Xml130WarningCode, ref, type MapContext } from './context.js';
import { birthDate, claimDate, padCode, splitList } from './datatypes.js';
import { decimalOf, integerOf } from './fields.js';
import { paperDocument } from './papers.js';
import { vietnameseName } from './patient.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

function newborn(ctx: MapContext, row: TableRow, key: string): Patient {
  const { pack } = ctx;
  const patient: Patient = { resourceType: 'Patient', id: resourceId('Patient', ctx.keys.maCskcb, 'XML9', ctx.keys.maLk, key), meta: pack.meta('Patient') };
  const theTam = row.get('MA_THE_TAM');
  if (theTam) patient.identifier = [pack.identifier('bhytTemporary', theTam)];
  const name = row.get('HO_TEN_CON');
  if (name) patient.name = [vietnameseName(name)];
  const sex = row.get('GIOI_TINH_CON');
  if (sex) {
    const g = pack.mapCode('GIOI_TINH', sex);
    if (g === 'male' || g === 'female' || g === 'other' || g === 'unknown') patient.gender = g;
    else ctx.warn(Xml130WarningCode.unknownCode, row.field('GIOI_TINH_CON'), `GIOI_TINH_CON ${JSON.stringify(sex)} is not 1, 2 or 3`);
  }
  const born = row.get('NGAY_SINH_CON');
  if (born) {
    const b = birthDate(born);
    if (b.ok) {
      patient.birthDate = b.value.date;
      if (b.value.time) (patient as Patient & { _birthDate?: object })._birthDate = { extension: [{ url: pack.ext('birthTime'), valueDateTime: b.value.time }] };
    } else ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAY_SINH_CON'), b.reason);
  }
  const children = integerOf(ctx, row, 'SO_CON');
  if (children !== undefined) patient.multipleBirthBoolean = children > 1;
  const province = row.get('MATINH_CU_TRU');
  const ward = row.get('MAXA_CU_TRU');
  const residence = row.get('NOI_CU_TRU_NND');
  if (province || ward || residence) {
    patient.address = [
      {
        ...(province || ward
          ? {
              extension: [
                ...(province ? [{ url: pack.ext('province'), valueCoding: pack.coding('province', padCode(province, 2)) }] : []),
                ...(ward ? [{ url: pack.ext('ward'), valueCoding: pack.coding('ward', padCode(ward, 5)) }] : []),
              ],
            }
          : {}),
        use: 'home',
        ...(residence ? { text: residence } : {}),
        country: 'VN',
      },
    ];
  }
  const father = row.get('HO_TEN_CHA');
  if (father) patient.contact = [{ relationship: [pack.concept('v3RoleCode', 'FTH', 'father')], name: vietnameseName(father) }];
  return patient;
}

function mother(ctx: MapContext, row: TableRow, child: Patient, key: string): RelatedPerson {
  const { pack } = ctx;
  const identifier: Identifier[] = [];
  const cccd = row.get('SO_CCCD_NND');
  if (cccd) identifier.push(pack.identifier(/^\d{12}$/.test(cccd) ? 'cccd' : 'passport', cccd));
  const bhxh = row.get('MA_BHXH_NND');
  if (bhxh) identifier.push(pack.identifier('bhxh', bhxh));
  const card = row.get('MA_THE_NND');
  if (card) identifier.push(pack.identifier('bhyt', card));
  const person: RelatedPerson = {
    resourceType: 'RelatedPerson',
    id: resourceId('RelatedPerson', ctx.keys.maCskcb, 'XML9', ctx.keys.maLk, key, 'mother'),
    meta: pack.meta('RelatedPerson'),
    patient: ref(child.id!),
    relationship: [pack.concept('v3RoleCode', 'MTH', 'mother')],
  };
  if (identifier.length) person.identifier = identifier;
  const name = row.get('HO_TEN_NND');
  if (name) person.name = [vietnameseName(name)];
  person.gender = 'female';
  const born = row.get('NGAYSINH_NND');
  if (born) {
    const b = birthDate(born);
    if (b.ok) person.birthDate = b.value.date;
    else ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAYSINH_NND'), b.reason);
  }
  return person;
}

function birthWeight(ctx: MapContext, row: TableRow, child: Patient): Observation | undefined {
  const { pack } = ctx;
  const grams = decimalOf(ctx, row, 'CAN_NANG_CON');
  if (!grams) return undefined;
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('Observation', child.id!, 'birth-weight'),
    meta: pack.meta('Observation.vitalSigns'),
    status: 'final',
    category: [pack.concept('observationCategory', 'vital-signs', 'Vital Signs')],
    code: pack.concept('loinc', '8339-4', 'Birth weight Measured'),
    subject: ref(child.id!),
    encounter: ctx.encounterRef(),
    valueQuantity: { value: grams.value, unit: 'g', system: pack.cs('ucum'), code: 'g' },
  };
  const born = (child as Patient & { _birthDate?: { extension?: { valueDateTime?: string }[] } })._birthDate?.extension?.[0]?.valueDateTime ?? child.birthDate;
  if (born) obs.effectiveDateTime = born;
  return obs;
}

export function mapBirthCertificates(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const weights: string[] = [];
  rows.forEach((row) => {
    const key = row.peek('MA_THE_TAM') ?? `#${row.position}`;
    const child = newborn(ctx, row, key);
    const w = row.peek('CAN_NANG_CON');
    if (w) weights.push(w);
    const weight = birthWeight(ctx, row, child);
    record.extra.push(child, mother(ctx, row, child, key));
    if (weight) record.extra.push(weight);
    const signed = row.peek('NGAY_CT');
    if (signed && !claimDate(signed).ok) ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAY_CT'), `NGAY_CT ${JSON.stringify(signed)} is not a date`);
    record.extra.push(
      paperDocument(ctx, row, { typeCode: 'XML9', display: 'Giấy chứng sinh', identifier: ['SO', 'giayChungSinh'], date: 'NGAY_CT' }, rows.length, ref(child.id!)),
    );
  });
  const xml1Weights = splitList(record.xml1.get('CAN_NANG_CON'));
  if (xml1Weights.length && xml1Weights.join(';') !== weights.join(';')) {
    ctx.warn(Xml130WarningCode.inconsistent, 'XML1/CAN_NANG_CON', `XML1 gives newborn weights ${xml1Weights.join(';')}, XML9 gives ${weights.join(';') || 'none'}`);
  }
}

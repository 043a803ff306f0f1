// XML1 (TONG_HOP) → Encounter (vn-core-encounter), plus a Location per department
// (MA_KHOA, in the order visited). See docs/mapping-xml130.md, "XML1 → Encounter".
import type { CodeableConcept, Encounter, EncounterClassHistory, EncounterDiagnosis, Extension, Location, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { Diagnosis } from './conditions.js';
import { Xml130WarningCode, ref, type MapContext } from './context.js';
import { icd10, padCode, patientCategoryCode, splitList } from './datatypes.js';
import { dateTimeOf, integerOf } from './fields.js';
import { departmentLocation } from './lines.js';
import {
  DISCHARGE_DISPOSITION_DISPLAY,
  EMERGENCY_PATIENT_CATEGORY,
  EMERGENCY_VISIT_TYPE,
  ENCOUNTER_CLASS_DISPLAY,
  ENCOUNTER_TYPE_DISPLAY,
  INSURANCE_VISIT_TYPE_DISPLAY,
  TREATMENT_OUTCOME_DISPLAY,
} from './mappingTables.js';
import type { TableRow } from './row.js';

/** MA_LOAI_KCB as written, normalised to two digits (4210 wrote `1`, `2`, `3`). */
export function maLoaiKcbOf(ctx: MapContext, row: TableRow): string | undefined {
  const raw = row.get('MA_LOAI_KCB');
  if (!raw) return undefined;
  const code = padCode(raw, 2);
  if (code !== raw) ctx.normalise({ field: row.field('MA_LOAI_KCB'), rule: 'code-leading-zero', from: raw, to: code });
  return code;
}

/** An emergency visit (MA_DOITUONG_KCB 2, also written `02`): the Claim maps the category itself, so it is only peeked here. */
export function isEmergency(row: TableRow): boolean {
  const category = row.peek('MA_DOITUONG_KCB');
  return category !== undefined && patientCategoryCode(category) === EMERGENCY_PATIENT_CATEGORY;
}

/** The class of the care type; an emergency seen as an outpatient is EMER rather than AMB. */
function encounterClass(ctx: MapContext, row: TableRow, maLoaiKcb: string | undefined, emergency: boolean) {
  const code = maLoaiKcb ? ctx.pack.mapCode('MA_LOAI_KCB.class', maLoaiKcb) : undefined;
  if (maLoaiKcb && !code) ctx.warn(Xml130WarningCode.unknownCode, row.field('MA_LOAI_KCB'), `MA_LOAI_KCB ${JSON.stringify(maLoaiKcb)} is not a known care type; class sent as ambulatory`);
  if (!maLoaiKcb) ctx.warn(Xml130WarningCode.missingValue, row.field('MA_LOAI_KCB'), 'MA_LOAI_KCB (care type) is empty; class sent as ambulatory');
  const c = emergency && (code ?? 'AMB') === 'AMB' ? 'EMER' : (code ?? 'AMB');
  return actClass(ctx, c);
}

function actClass(ctx: MapContext, code: string) {
  return { system: ctx.pack.cs('actCode'), code, display: ENCOUNTER_CLASS_DISPLAY[code] ?? code };
}

function coded(ctx: MapContext, row: TableRow, name: string, csKey: string, displays: Readonly<Record<string, string>>): CodeableConcept | undefined {
  const code = row.get(name);
  if (!code) return undefined;
  const display = displays[code];
  if (!display) ctx.warn(Xml130WarningCode.unknownCode, row.field(name), `${name} ${JSON.stringify(code)} is not in the code list; sent without a display`);
  return ctx.pack.concept(csKey, code, display);
}

function departments(ctx: MapContext, row: TableRow): Location[] {
  const known = new Map<string, Location>();
  return splitList(row.get('MA_KHOA')).map((maKhoa) => departmentLocation(ctx, known, maKhoa));
}

/**
 * GIAY_CHUYEN_TUYEN: the referral paper the patient came with, numbered by the facility
 * that issued it (MA_NOI_DI when given, else this one). Referenced by identifier.
 */
export function referralPaper(ctx: MapContext, row: TableRow): Reference<ServiceRequest> | undefined {
  const number = row.get('GIAY_CHUYEN_TUYEN');
  if (!number) return undefined;
  return { type: 'ServiceRequest', identifier: ctx.pack.identifier('giayChuyenTuyen', number, undefined, row.peek('MA_NOI_DI')) };
}

export interface EncounterResult {
  encounter: Encounter;
  departments: Location[];
}

export function buildEncounter(ctx: MapContext, row: TableRow, diagnoses: readonly Diagnosis[]): EncounterResult {
  const { pack } = ctx;
  const maLoaiKcb = maLoaiKcbOf(ctx, row);
  const emergency = isEmergency(row);
  const cls = encounterClass(ctx, row, maLoaiKcb, emergency);
  const start = dateTimeOf(ctx, row, 'NGAY_VAO');
  let end = dateTimeOf(ctx, row, 'NGAY_RA');
  const inpatientStart = dateTimeOf(ctx, row, 'NGAY_VAO_NOI_TRU');
  if (!start) ctx.warn(Xml130WarningCode.missingValue, row.field('NGAY_VAO'), 'NGAY_VAO (arrival time) is missing or invalid');
  if (start && end && end < start) {
    ctx.warn(Xml130WarningCode.inconsistent, row.field('NGAY_RA'), 'NGAY_RA is before NGAY_VAO; the end of the encounter is not sent');
    end = undefined;
  }

  const encounter: Encounter = { resourceType: 'Encounter', id: ctx.encounterId, meta: pack.meta('Encounter'), status: end ? 'finished' : 'in-progress', class: cls };
  const extension: Extension[] = [];
  const outcome = coded(ctx, row, 'KET_QUA_DTRI', 'treatmentOutcome', TREATMENT_OUTCOME_DISPLAY);
  if (outcome) extension.push({ url: pack.ext('treatmentOutcome'), valueCodeableConcept: outcome });
  // 4210 wrote the visit type (MA_LYDO_VVIEN); in 130 an emergency is told by its patient category.
  const visitType =
    coded(ctx, row, 'MA_LYDO_VVIEN', 'insuranceVisitType', INSURANCE_VISIT_TYPE_DISPLAY) ??
    (emergency ? pack.concept('insuranceVisitType', EMERGENCY_VISIT_TYPE, INSURANCE_VISIT_TYPE_DISPLAY[EMERGENCY_VISIT_TYPE]) : undefined);
  if (visitType) extension.push({ url: pack.ext('insuranceVisitType'), valueCodeableConcept: visitType });
  if (extension.length) encounter.extension = extension;
  if (emergency) encounter.priority = pack.concept('actPriority', 'EM', 'emergency');

  encounter.identifier = [pack.identifier('maLk', ctx.keys.maLk, { csKey: 'identifierType', code: 'MA_LK' })];
  const maHsba = row.get('MA_HSBA');
  if (maHsba) encounter.identifier.push(pack.identifier('maHsba', maHsba));

  // Arrival as an outpatient, then the treatment order (NGAY_VAO_NOI_TRU: inpatient, day-care
  // or outpatient treatment): the two phases of the visit, kept even when the class stays AMB.
  if (inpatientStart && start && inpatientStart >= start) {
    const history: EncounterClassHistory[] = [
      { class: actClass(ctx, emergency ? 'EMER' : 'AMB'), period: { start, end: inpatientStart } },
      { class: cls, period: end ? { start: inpatientStart, end } : { start: inpatientStart } },
    ];
    encounter.classHistory = history;
  } else if (inpatientStart && start && inpatientStart < start) {
    ctx.warn(Xml130WarningCode.inconsistent, row.field('NGAY_VAO_NOI_TRU'), 'NGAY_VAO_NOI_TRU is before NGAY_VAO; not sent');
  }

  if (maLoaiKcb) encounter.type = [pack.concept('encounterType', maLoaiKcb, ENCOUNTER_TYPE_DISPLAY[maLoaiKcb])];
  encounter.subject = ctx.patientRef();
  const referral = referralPaper(ctx, row);
  if (referral) encounter.basedOn = [referral];
  if (start || end) encounter.period = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  ctx.encounterPeriod = encounter.period;

  const soNgay = integerOf(ctx, row, 'SO_NGAY_DTRI');
  if (soNgay !== undefined) encounter.length = { value: soNgay, unit: 'd', system: pack.cs('ucum'), code: 'd' };

  const reasons: CodeableConcept[] = [];
  const lyDoVv = row.get('LY_DO_VV');
  if (lyDoVv) reasons.push({ text: lyDoVv });
  const lyDoVnt = row.get('LY_DO_VNT');
  const maLyDoVnt = row.get('MA_LY_DO_VNT');
  if (maLyDoVnt) {
    const code = icd10(maLyDoVnt);
    if (code.ok) reasons.push({ ...pack.concept('icd10', code.value.code), ...(lyDoVnt ? { text: lyDoVnt } : {}) });
    else {
      ctx.warn(Xml130WarningCode.invalidValue, row.field('MA_LY_DO_VNT'), code.reason);
      if (lyDoVnt) reasons.push({ text: lyDoVnt });
    }
  }
  else if (lyDoVnt && lyDoVnt !== lyDoVv) reasons.push({ text: lyDoVnt });
  if (reasons.length) encounter.reasonCode = reasons;

  if (diagnoses.length) {
    encounter.diagnosis = diagnoses.map(
      (d, i): EncounterDiagnosis => ({
        condition: ref(d.condition.id!),
        use: d.role === 'AD' ? pack.concept('diagnosisRole', 'AD', 'Admission diagnosis') : pack.concept('diagnosisRole', 'DD', 'Discharge diagnosis'),
        rank: i + 1,
      }),
    );
  }

  const hospitalization: NonNullable<Encounter['hospitalization']> = {};
  const noiDi = row.get('MA_NOI_DI');
  if (noiDi) hospitalization.origin = ctx.otherFacilityRef(noiDi);
  const noiDen = row.get('MA_NOI_DEN');
  if (noiDen) hospitalization.destination = ctx.otherFacilityRef(noiDen);
  const disposition = coded(ctx, row, 'MA_LOAI_RV', 'dischargeDisposition', DISCHARGE_DISPOSITION_DISPLAY);
  if (disposition) hospitalization.dischargeDisposition = disposition;
  if (Object.keys(hospitalization).length) encounter.hospitalization = hospitalization;

  const locations = departments(ctx, row);
  if (locations.length) {
    encounter.location = locations.map((l) => ({ location: ref(l.id!, l.name), status: end ? 'completed' : 'active' }));
  }
  encounter.serviceProvider = ctx.facilityRef();
  return { encounter, departments: locations };
}

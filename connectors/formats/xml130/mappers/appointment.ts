// XML14 (giấy hẹn khám lại, the re-visit appointment) → Appointment. Its patient and visit
// elements repeat XML1 and are checked against it (crossCheck.ts). A date-only NGAY_HEN_KL
// cannot be an Appointment.start (an instant), so such an appointment is `proposed` with a
// requested period of that day.
import type { Appointment, AppointmentParticipant, CodeableConcept } from '@medplum/fhirtypes';
import { Xml130WarningCode, practitionerRef, ref, type MapContext } from './context.js';
import { crossCheckWithXml1 } from './crossCheck.js';
import { claimDateTime, icd10, splitList } from './datatypes.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

const REPEATED_FROM_XML1 = [
  'MA_CSKCB', 'HO_TEN', 'NGAY_SINH', 'GIOI_TINH', 'DIA_CHI', 'MA_THE_BHYT', 'GT_THE_DEN', 'NGAY_VAO', 'NGAY_VAO_NOI_TRU', 'NGAY_RA', 'MA_DOITUONG_KCB',
] as const;

function reasonCodes(ctx: MapContext, row: TableRow): CodeableConcept[] {
  const out: CodeableConcept[] = [];
  for (const name of ['MA_BENH_CHINH', 'MA_BENH_KT']) {
    for (const raw of splitList(row.get(name))) {
      const p = icd10(raw);
      if (p.ok) out.push(ctx.pack.concept('icd10', p.value.code));
      else ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
    }
  }
  for (const code of splitList(row.get('MA_BENH_YHCT'))) out.push(ctx.pack.concept('yhctDisease', code));
  return out;
}

/** Builds the Appointment for a re-visit date: a 12-digit time is booked, a date is proposed for that day. */
export function revisitAppointment(ctx: MapContext, id: string, when: string, field: string): Appointment | undefined {
  const { pack } = ctx;
  const participant: AppointmentParticipant[] = [{ actor: ctx.patientRef(), required: 'required', status: 'accepted' }];
  const base: Appointment = { resourceType: 'Appointment', id, meta: pack.meta('Appointment'), status: 'proposed', participant };
  const t = claimDateTime(when);
  if (!t.ok) {
    ctx.warn(Xml130WarningCode.invalidValue, field, t.reason);
    return undefined;
  }
  if (t.value.length > 10) return { ...base, status: 'booked', start: t.value, participant };
  return { ...base, requestedPeriod: [{ start: t.value, end: t.value }], participant };
}

export function mapAppointment(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const { pack } = ctx;
  rows.forEach((row) => {
    crossCheckWithXml1(ctx, row, record.xml1, REPEATED_FROM_XML1);
    const when = row.get('NGAY_HEN_KL');
    const suffix = rows.length > 1 ? [String(row.position)] : [];
    const id = ctx.recordResourceId('Appointment', 'XML14', ...suffix);
    if (!when) {
      ctx.warn(Xml130WarningCode.missingValue, row.field('NGAY_HEN_KL'), 'NGAY_HEN_KL (re-visit date) is empty: no Appointment');
      return;
    }
    const appt = revisitAppointment(ctx, id, when, row.field('NGAY_HEN_KL'));
    if (!appt) return;
    const number = row.get('SO_GIAYHEN_KL');
    if (number) appt.identifier = [pack.identifier('giayHenKhamLai', number)];
    appt.appointmentType = pack.concept('appointmentReason', 'FOLLOWUP', 'A follow up visit from a previous appointment');
    const reasons = reasonCodes(ctx, row);
    if (reasons.length) appt.reasonCode = reasons;
    const diagnoses = record.diagnoses.filter((d) => d.coded);
    if (diagnoses.length) appt.reasonReference = diagnoses.map((d) => ref(d.condition.id!));
    const description = row.get('CHAN_DOAN_RV');
    if (description) appt.description = description;
    const created = row.get('NGAY_CT');
    if (created) {
      const c = claimDateTime(created);
      if (c.ok) appt.created = c.value;
      else ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAY_CT'), c.reason);
    }
    const doctor = splitList(row.get('MA_BAC_SI'))[0];
    if (doctor) appt.participant.push({ actor: practitionerRef(pack, doctor), required: 'required', status: 'accepted' });
    // Checked against XML1 where XML1 also carries a re-visit date.
    const xml1Dates = splitList(record.xml1.peek('NGAY_TAI_KHAM'));
    if (xml1Dates.length) {
      record.xml1.get('NGAY_TAI_KHAM');
      if (!xml1Dates.some((d) => d.slice(0, 8) === when.slice(0, 8))) {
        ctx.warn(Xml130WarningCode.inconsistent, row.field('NGAY_HEN_KL'), 'NGAY_HEN_KL is not among XML1 NGAY_TAI_KHAM');
      }
    }
    record.extra.push(appt);
  });
}

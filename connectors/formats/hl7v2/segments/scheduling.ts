// SCH (+TQ1, AIS, AIG, AIL, AIP, NTE) → Appointment (SIU^S12 and its siblings).
import type { Appointment, AppointmentParticipant } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference } from '../datatypes.js';
import type { Seg } from '../reader.js';
import { eiKey, notesAfter, orderIdentifier } from './results.js';

/** SCH-25 filler status (HL7 table 0278) → Appointment.status. */
const STATUS: Record<string, Appointment['status']> = {
  BOOKED: 'booked',
  PENDING: 'pending',
  WAITLIST: 'waitlist',
  CANCELLED: 'cancelled',
  DELETED: 'entered-in-error',
  COMPLETE: 'fulfilled',
  NOSHOW: 'noshow',
  STARTED: 'arrived',
  BLOCKED: 'booked',
  OVERBOOK: 'booked',
  DC: 'cancelled',
};

/** Trigger event → status when SCH-25 is empty. */
const STATUS_BY_EVENT: Record<string, Appointment['status']> = {
  S12: 'booked',
  S13: 'booked',
  S14: 'booked',
  S15: 'cancelled',
  S17: 'entered-in-error',
  S26: 'noshow',
};

export function mapAppointment(conv: Conversion, sch: Seg): void {
  if (!conv.patient) return;
  const key = eiKey(sch.rep(2)) || eiKey(sch.rep(1));
  if (!key) {
    conv.warn('HL7V2_APPOINTMENT_WITHOUT_ID', 'SCH-1/SCH-2', 'SCH has no placer or filler appointment id: no Appointment made');
    return;
  }
  const tq1 = conv.reader.first('TQ1');
  const ais = conv.reader.all('AIS');
  const start = conv.instant(tq1?.get(7) || sch.get(11, 4) || ais[0]?.get(4) || '', 'TQ1-7');
  const end = conv.instant(tq1?.get(8) || sch.get(11, 5) || '', 'TQ1-8');
  const duration = Number(sch.get(9));
  const unit = sch.get(10, 1).toLowerCase();
  const minutes = Number.isFinite(duration) && duration > 0 ? (unit === 's' ? Math.round(duration / 60) : unit === 'h' || unit === 'hr' ? duration * 60 : duration) : undefined;
  const status = STATUS[sch.get(25).toUpperCase()] ?? STATUS_BY_EVENT[conv.header.triggerEvent] ?? 'booked';
  const participant: AppointmentParticipant[] = [{ actor: conv.patient, status: 'accepted' }];
  for (const seg of [...conv.reader.all('AIP'), ...conv.reader.all('AIL'), ...conv.reader.all('AIG')]) {
    // AIP-3 personnel, AIL-3 location, AIG-3 resource: the scheduled resource is field 3 of each.
    const r = seg.rep(3);
    const actor = seg.name === 'AIP' ? toPersonReference(r) : r.c(1) || r.c(2) ? { display: [r.c(1), r.c(2), r.c(4)].filter(Boolean).join(' ') } : undefined;
    if (!actor) continue;
    const role = seg.rep(4);
    participant.push(compact({ type: role.empty ? undefined : [conv.concept(role, `${seg.name}-4`)!], actor, status: 'accepted' as const }));
  }
  const reason = sch.rep(7);
  const type = sch.rep(8);
  const appointment: Appointment = {
    resourceType: 'Appointment',
    id: conv.id('Appointment', key),
    identifier: [orderIdentifier(conv, sch.rep(1), 'PLAC'), orderIdentifier(conv, sch.rep(2), 'FILL')].filter((i) => i !== undefined),
    status,
    serviceType: ais.map((s) => conv.concept(s.rep(3), 'AIS-3')).filter((c) => c !== undefined),
    appointmentType: type.empty ? undefined : conv.concept(type, 'SCH-8'),
    reasonCode: reason.empty ? undefined : [conv.concept(reason, 'SCH-7')!],
    start,
    end,
    minutesDuration: minutes,
    comment: [...notesAfter(conv, sch), ...ais.flatMap((s) => notesAfter(conv, s))].map((n) => n.text).join('\n') || undefined,
    participant,
  };
  if (!start || !end) conv.warn('HL7V2_APPOINTMENT_WITHOUT_TIME', 'TQ1-7/TQ1-8', 'appointment start or end missing');
  conv.add(compact(appointment));
}

// PV1 (+PV2, ROL) → Encounter. The id comes from the visit number (PV1-19, with its
// authority), so an A01 and the A03 of the same visit update one Encounter. Without a visit
// number the visit is still an Encounter, keyed on what the message has: the patient and the
// admit time (PV1-44), else the patient and this message (MSH-10) (docs/mapping-hl7v2.md).
// The event decides the status.
import type { Encounter, EncounterParticipant } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference, type Ref } from '../datatypes.js';
import type { Rep, Seg } from '../reader.js';

/** PV1-2 patient class (HL7 table 0004) → v3 ActCode encounter class. */
const CLASS: Record<string, { code: string; display: string }> = {
  E: { code: 'EMER', display: 'emergency' },
  I: { code: 'IMP', display: 'inpatient encounter' },
  O: { code: 'AMB', display: 'ambulatory' },
  P: { code: 'PRENC', display: 'pre-admission' },
  R: { code: 'IMP', display: 'inpatient encounter' },
  B: { code: 'IMP', display: 'inpatient encounter' },
  C: { code: 'AMB', display: 'ambulatory' },
  N: { code: 'AMB', display: 'ambulatory' },
};

/** Encounter status by ADT trigger event; A08 (update) depends on a discharge time. */
const STATUS_BY_EVENT: Record<string, Encounter['status']> = {
  A01: 'in-progress',
  A02: 'in-progress',
  A03: 'finished',
  A04: 'in-progress', // registered and being seen (outpatient / emergency)
  A05: 'planned',
  A06: 'in-progress',
  A07: 'in-progress',
  A09: 'in-progress', // patient departing: tracking within a visit
  A10: 'in-progress', // patient arriving: tracking
  A11: 'cancelled',
  A13: 'in-progress',
  A14: 'planned', // pending admit
  A15: 'in-progress', // pending transfer: the visit goes on
  A16: 'in-progress', // pending discharge: not discharged yet
  A25: 'in-progress', // cancel pending discharge
  A26: 'in-progress', // cancel pending transfer
  A27: 'cancelled', // cancel pending admit
  A38: 'cancelled', // cancel pre-admit
};

const PARTICIPANTS: Array<[number, string, string]> = [
  [7, 'ATND', 'attender'],
  [8, 'REF', 'referrer'],
  [9, 'CON', 'consultant'],
  [17, 'ADM', 'admitter'],
];

/**
 * `visitOnly`: for person events (A28, A31, A60) whose PV1 is often a placeholder: an
 * Encounter only when the PV1 names a visit (number or admit time).
 */
export function mapEncounter(conv: Conversion, pv1: Seg, opts: { visitOnly?: boolean } = {}): Ref | undefined {
  if (!conv.patient) return undefined;
  if (opts.visitOnly && !pv1.get(19) && !pv1.get(44)) return undefined;
  const visit = conv.ids.fromCx(pv1.rep(19), 'maHsba')?.identifier;
  const admitted = pv1.get(44);
  const visitNumber = visit?.value;
  let id: string;
  if (visitNumber) id = conv.id('Encounter', 'visit', visit.system ?? '', visitNumber);
  else if (admitted) {
    id = conv.id('Encounter', conv.patient.reference!, 'admit', admitted);
    conv.warn('HL7V2_VISIT_WITHOUT_NUMBER', 'PV1-19', 'no visit number: the Encounter is keyed on the patient and the admit time (PV1-44)');
  } else {
    id = conv.id('Encounter', conv.patient.reference!, 'message', conv.header.controlId);
    conv.warn('HL7V2_VISIT_WITHOUT_NUMBER', 'PV1-19', 'no visit number nor admit time: the Encounter is keyed on the patient and this message (MSH-10); later messages of the visit cannot update it');
  }
  const event = conv.header.triggerEvent;
  const discharged = pv1.get(45);
  // Events without a status of their own (A08, A28, BAR, orders …): discharged is finished, a
  // pre-admission (PV1-2 = P) is planned, else the visit is going on.
  const status = STATUS_BY_EVENT[event] ?? (discharged ? 'finished' : pv1.get(2).toUpperCase() === 'P' ? 'planned' : 'in-progress');
  const patientClass = pv1.get(2).toUpperCase();
  const cls = CLASS[patientClass];
  if (!cls && patientClass) conv.warn('HL7V2_UNKNOWN_PATIENT_CLASS', 'PV1-2', `patient class "${patientClass}" is not in HL7 table 0004`);
  const pv2 = conv.reader.first('PV2');
  const participant: EncounterParticipant[] = [];
  for (const [field, code, display] of PARTICIPANTS) {
    for (const rep of pv1.reps(field)) {
      const individual = toPersonReference(rep);
      if (individual) {
        participant.push({
          type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code, display }] }],
          individual,
        });
      }
    }
  }
  for (const rol of conv.reader.all('ROL')) {
    const individual = toPersonReference(rol.rep(4));
    const role = rol.rep(3);
    if (individual) participant.push(compact({ type: role.empty ? undefined : [conv.concept(role, 'ROL-3')!], individual, period: compact({ start: conv.dateTime(rol.get(5), 'ROL-5'), end: conv.dateTime(rol.get(6), 'ROL-6') }) }));
  }
  const status0 = status === 'finished' ? 'completed' : status === 'planned' ? 'planned' : 'active';
  // PV1-3 assigned, -6 prior, -11 temporary, -42 pending, -43 prior temporary (HL7 V2-to-FHIR IG).
  const locations: NonNullable<Encounter['location']> = [];
  for (const [field, locStatus] of [
    [3, status0],
    [6, 'completed'],
    [11, 'active'],
    [42, 'planned'],
    [43, 'completed'],
  ] as const) {
    const display = locationDisplay(pv1.rep(field));
    if (display) locations.push({ location: { display }, status: locStatus });
  }
  const hospitalService = pv1.get(10);
  const dischargeDisposition = pv1.get(36);
  const admitSource = pv1.get(14);
  const readmission = pv1.get(13);
  const admitReason = pv2?.rep(3);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id,
    // PV1-19 visit number, then PV1-50 alternate visit id (another system's number for the same visit).
    identifier: [visit, conv.ids.fromCx(pv1.rep(50), 'maHsba')?.identifier].filter((i) => i !== undefined),
    status,
    class: cls
      ? { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...cls }
      : { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' },
    type: pv1.get(4) ? [conv.tableConcept(pv1.get(4), '0007')!] : undefined,
    serviceType: hospitalService ? conv.tableConcept(hospitalService, '0069') : undefined,
    subject: conv.patient,
    participant,
    period:
      status === 'cancelled'
        ? undefined
        : compact({ start: conv.dateTime(admitted, 'PV1-44'), end: event === 'A13' ? undefined : conv.dateTime(discharged, 'PV1-45') }),
    reasonCode: admitReason && !admitReason.empty ? [conv.concept(admitReason, 'PV2-3')!] : undefined,
    hospitalization: compact({
      preAdmissionIdentifier: conv.ids.fromCx(pv1.rep(5))?.identifier,
      admitSource: admitSource ? conv.tableConcept(admitSource, '0023') : undefined,
      reAdmission: readmission ? conv.tableConcept(readmission, '0092') : undefined,
      dischargeDisposition: dischargeDisposition ? conv.tableConcept(dischargeDisposition, '0112') : undefined,
    }),
    location: locations,
  };
  if (pv2) {
    const expectedAdmit = pv2.get(8);
    const expectedDischarge = pv2.get(9);
    if (!encounter.period?.start && expectedAdmit) {
      encounter.period = compact({ ...encounter.period, start: conv.dateTime(expectedAdmit, 'PV2-8') });
    }
    if (expectedDischarge && status !== 'finished') {
      conv.warn('HL7V2_EXPECTED_DISCHARGE_IGNORED', 'PV2-9', 'expected discharge time is a plan, not the period end; left out');
    }
  }
  conv.encounter = conv.add(compact(encounter));
  return conv.encounter;
}

/** PL (point of care ^ room ^ bed ^ facility ^ status ^ type ^ building ^ floor ^ description) as one display. */
function locationDisplay(r: Rep): string | undefined {
  const text = [r.c(4), r.c(7), r.c(8), r.c(1), r.c(2), r.c(3)].filter(Boolean).join(' / ');
  return text || r.c(9) || undefined;
}

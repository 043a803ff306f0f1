// PV1 (+PV2) → Encounter. The id comes from the visit number (PV1-19), so an A01 and the
// A03 of the same visit update one Encounter. The event decides the status.
import type { Encounter, EncounterParticipant } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference, type Ref } from '../datatypes.js';
import type { Seg } from '../reader.js';

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
  A04: 'arrived',
  A05: 'planned',
  A06: 'in-progress',
  A07: 'in-progress',
  A11: 'cancelled',
  A13: 'in-progress',
};

const PARTICIPANTS: Array<[number, string, string]> = [
  [7, 'ATND', 'attender'],
  [8, 'REF', 'referrer'],
  [9, 'CON', 'consultant'],
  [17, 'ADM', 'admitter'],
];

export function mapEncounter(conv: Conversion, pv1: Seg): Ref | undefined {
  if (!conv.patient) return undefined;
  const visit = pv1.rep(19);
  const admitted = pv1.get(44);
  const visitNumber = visit.c(1);
  let id: string;
  if (visitNumber) id = conv.id('Encounter', 'visit', visitNumber);
  else if (admitted) id = conv.id('Encounter', conv.patient.reference!, 'admit', admitted);
  else {
    conv.warn('HL7V2_VISIT_WITHOUT_KEY', 'PV1-19', 'PV1 has neither a visit number (PV1-19) nor an admit time (PV1-44): no Encounter made');
    return undefined;
  }
  const event = conv.header.triggerEvent;
  const discharged = pv1.get(45);
  const status = STATUS_BY_EVENT[event] ?? (discharged ? 'finished' : 'in-progress');
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
  const location = pv1.rep(3);
  const locationText = [location.c(4), location.c(1), location.c(2), location.c(3)].filter(Boolean).join(' / ');
  const hospitalService = pv1.get(10);
  const dischargeDisposition = pv1.get(36);
  const admitSource = pv1.get(14);
  const readmission = pv1.get(13);
  const admitReason = pv2?.rep(3);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id,
    identifier: visitNumber ? [{ use: 'official', system: conv.ids.systemOf('maHsba'), value: visitNumber }] : undefined,
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
      admitSource: admitSource ? conv.tableConcept(admitSource, '0023') : undefined,
      reAdmission: readmission ? conv.tableConcept(readmission, '0092') : undefined,
      dischargeDisposition: dischargeDisposition ? conv.tableConcept(dischargeDisposition, '0112') : undefined,
    }),
    location: locationText ? [{ location: { display: locationText }, status: status === 'finished' ? 'completed' : 'active' }] : undefined,
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

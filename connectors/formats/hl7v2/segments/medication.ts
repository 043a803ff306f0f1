// Pharmacy orders and dispenses: ORC + RXO/RXE (+RXR, RXC, TQ1, NTE) → MedicationRequest
// (RDE^O11, RDE^O25, OMP-like orders), RXD → MedicationDispense (RDS^O13). A compound
// (RXC components) becomes a Medication with ingredients; a single product is coded inline.
import type { Dosage, Medication, MedicationDispense, MedicationRequest } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toNumber, toPersonReference, type Ref } from '../datatypes.js';
import type { Seg } from '../reader.js';
import { notesAfter, orderIdentifier } from './results.js';

/** ORC-5 order status / ORC-1 order control → MedicationRequest.status. */
const STATUS: Record<string, MedicationRequest['status']> = {
  NW: 'active',
  SC: 'active',
  IP: 'active',
  XO: 'active',
  RP: 'active',
  OK: 'active',
  CA: 'cancelled',
  OC: 'cancelled',
  DC: 'stopped',
  OD: 'stopped',
  CM: 'completed',
  HD: 'on-hold',
  OH: 'on-hold',
  ER: 'entered-in-error',
};

/** Each ORC with its RXO/RXE → one MedicationRequest; RXD of the same group → MedicationDispense. */
export function mapPharmacy(conv: Conversion): void {
  if (!conv.patient) return;
  const orcs = conv.reader.all('ORC');
  orcs.forEach((orc, index) => {
    const group = conv.reader.following(orc, ['RXO', 'RXE', 'RXR', 'RXC', 'RXD', 'TQ1'], ['ORC']);
    const rxe = group.find((s) => s.name === 'RXE');
    const rxo = group.find((s) => s.name === 'RXO');
    const request = rxe || rxo ? mapMedicationRequest(conv, orc, rxo, rxe, group, index) : undefined;
    for (const rxd of group.filter((s) => s.name === 'RXD')) mapDispense(conv, orc, rxd, request, group);
  });
}

function compound(conv: Conversion, key: string, code: ReturnType<Conversion['concept']>, group: Seg[]): Ref | undefined {
  const rxcs = group.filter((s) => s.name === 'RXC');
  if (!rxcs.length) return undefined;
  const medication: Medication = {
    resourceType: 'Medication',
    id: conv.id('Medication', key),
    code,
    ingredient: rxcs
      .map((rxc) => {
        const item = conv.concept(rxc.rep(2), 'RXC-2');
        if (!item) return undefined;
        const amount = toNumber(rxc.get(3));
        return compact({
          itemCodeableConcept: item,
          isActive: rxc.get(1) === 'A' ? true : rxc.get(1) === 'B' ? false : undefined,
          strength: amount !== undefined ? { numerator: compact({ value: amount, unit: rxc.get(4, 2) || rxc.get(4) || undefined }), denominator: { value: 1 } } : undefined,
        });
      })
      .filter((i) => i !== undefined),
  };
  return conv.add(compact(medication));
}

function mapMedicationRequest(conv: Conversion, orc: Seg, rxo: Seg | undefined, rxe: Seg | undefined, group: Seg[], index: number): Ref | undefined {
  const code = (rxe && conv.concept(rxe.rep(2), 'RXE-2')) ?? (rxo && conv.concept(rxo.rep(1), 'RXO-1'));
  if (!code) {
    conv.warn('HL7V2_MEDICATION_WITHOUT_CODE', 'RXE-2/RXO-1', 'pharmacy order without a give code: no MedicationRequest made');
    return undefined;
  }
  const placer = orderIdentifier(conv, orc.rep(2), 'PLAC');
  const filler = orderIdentifier(conv, orc.rep(3), 'FILL');
  const key = [orc.get(3) && `${orc.get(3)}@${orc.get(3, 3) || orc.get(3, 2)}`, orc.get(2) && `${orc.get(2)}@${orc.get(2, 3) || orc.get(2, 2)}`].find(Boolean) || `${conv.header.controlId}#rx-${index}`;
  const medication = compound(conv, key, code, group);
  // The route that follows the RXE (the pharmacy's encoding) wins over the one after RXO.
  const rxr = conv.reader.following(rxe ?? rxo!, ['RXR'], ['ORC', 'RXE', 'RXD'])[0] ?? group.find((s) => s.name === 'RXR');
  const tq1 = group.find((s) => s.name === 'TQ1');
  const instructions = [
    ...(rxe ? rxe.reps(7) : []),
    ...(rxo ? rxo.reps(7) : []),
  ]
    .map((r) => r.c(2) || r.c(1))
    .filter(Boolean);
  const minDose = toNumber(rxe?.get(3) ?? rxo?.get(2) ?? '');
  const doseUnit = rxe?.rep(5) ?? rxo?.rep(4);
  const dosage: Dosage = compact({
    text: instructions.join(' ') || undefined,
    timing: tq1 ? compact({ repeat: tq1.get(7) || tq1.get(8) ? { boundsPeriod: compact({ start: conv.dateTime(tq1.get(7), 'TQ1-7'), end: conv.dateTime(tq1.get(8), 'TQ1-8') }) } : undefined, code: tq1.rep(3).empty ? undefined : { text: tq1.get(3) } }) : undefined,
    route: rxr && !rxr.rep(1).empty ? conv.concept(rxr.rep(1), 'RXR-1') : undefined,
    site: rxr && !rxr.rep(2).empty ? conv.concept(rxr.rep(2), 'RXR-2') : undefined,
    method: rxr && !rxr.rep(4).empty ? conv.concept(rxr.rep(4), 'RXR-4') : undefined,
    doseAndRate: minDose !== undefined ? [{ doseQuantity: compact({ value: minDose, unit: doseUnit?.c(2) || doseUnit?.c(1) || undefined }) }] : undefined,
  });
  const dispenseAmount = toNumber(rxe?.get(10) ?? rxo?.get(11) ?? '');
  const dispenseUnit = rxe?.rep(11) ?? rxo?.rep(12);
  const refills = toNumber(rxe?.get(12) ?? rxo?.get(13) ?? '');
  const substitution = rxe?.get(9) || rxo?.get(9);
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: conv.id('MedicationRequest', key),
    identifier: [placer, filler, rxe?.get(15) ? { value: rxe.get(15) } : undefined].filter((i) => i !== undefined),
    status: STATUS[orc.get(5).toUpperCase()] ?? STATUS[orc.get(1).toUpperCase()] ?? 'unknown',
    intent: 'order',
    medicationCodeableConcept: medication ? undefined : code,
    medicationReference: medication,
    subject: conv.patient!,
    encounter: conv.encounter,
    authoredOn: conv.dateTime(orc.get(9), 'ORC-9'),
    requester: toPersonReference(orc.rep(12)),
    reasonCode: [...(rxe?.reps(27) ?? []), ...(rxo?.reps(20) ?? [])].map((r) => conv.concept(r, 'RXE-27')).filter((c) => c !== undefined),
    note: [...notesAfter(conv, orc), ...(rxe ? notesAfter(conv, rxe) : []), ...(rxo ? notesAfter(conv, rxo) : [])],
    dosageInstruction: Object.keys(dosage).length ? [dosage] : undefined,
    dispenseRequest: compact({
      quantity: dispenseAmount !== undefined ? compact({ value: dispenseAmount, unit: dispenseUnit?.c(2) || dispenseUnit?.c(1) || undefined }) : undefined,
      numberOfRepeatsAllowed: refills !== undefined && Number.isInteger(refills) && refills >= 0 ? refills : undefined,
    }),
    // RXE-9 / RXO-9 substitution status (table 0167): N = no substitution allowed.
    substitution: substitution ? { allowedBoolean: substitution.toUpperCase() !== 'N' } : undefined,
  };
  return conv.add(compact(request));
}

function mapDispense(conv: Conversion, orc: Seg, rxd: Seg, request: Ref | undefined, group: Seg[]): void {
  const code = conv.concept(rxd.rep(2), 'RXD-2');
  if (!code) {
    conv.warn('HL7V2_MEDICATION_WITHOUT_CODE', 'RXD-2', 'dispense without a give code: no MedicationDispense made');
    return;
  }
  const key = `${orc.get(3) || orc.get(2) || conv.header.controlId}|${rxd.get(7)}|${rxd.get(1)}|${rxd.position}`;
  const amount = toNumber(rxd.get(4));
  const unit = rxd.rep(5);
  const medication = compound(conv, `dispense|${key}`, code, group.filter((s) => s.position > rxd.position));
  const dispense: MedicationDispense = {
    resourceType: 'MedicationDispense',
    id: conv.id('MedicationDispense', key),
    identifier: rxd.get(7) ? [{ value: rxd.get(7) }] : undefined,
    status: 'completed',
    medicationCodeableConcept: medication ? undefined : code,
    medicationReference: medication,
    subject: conv.patient,
    context: conv.encounter,
    authorizingPrescription: request ? [request] : undefined,
    quantity: amount !== undefined ? compact({ value: amount, unit: unit.c(2) || unit.c(1) || undefined }) : undefined,
    whenHandedOver: conv.dateTime(rxd.get(3), 'RXD-3'),
    performer: rxd.reps(10).map(toPersonReference).filter((p) => p !== undefined).map((actor) => ({ actor })),
    note: [...notesAfter(conv, rxd), ...(rxd.get(9) ? [{ text: rxd.get(9) }] : [])],
  };
  conv.add(compact(dispense));
}

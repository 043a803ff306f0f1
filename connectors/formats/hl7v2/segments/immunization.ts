// RXA (+RXR, ORC) → Immunization (VXU^V04). OBX after the RXA (funding, VIS documents)
// become Observations that are partOf the Immunization.
import type { Immunization } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toDate, toNumber, toPersonReference, type Ref } from '../datatypes.js';
import type { Seg } from '../reader.js';
import { eiKey, mapObservation, notesAfter, orderIdentifier } from './results.js';

/** RXA-20 completion status (HL7 table 0322). */
const STATUS: Record<string, Immunization['status']> = { CP: 'completed', PA: 'completed', RE: 'not-done', NA: 'not-done' };

export function mapImmunizations(conv: Conversion): void {
  if (!conv.patient) return;
  conv.reader.all('RXA').forEach((rxa, index) => {
    const orc = precedingOrc(conv, rxa);
    const vaccine = conv.concept(rxa.rep(5), 'RXA-5');
    const when = conv.dateTime(rxa.get(3), 'RXA-3');
    if (!vaccine || !when) {
      conv.warn('HL7V2_IMMUNIZATION_INCOMPLETE', 'RXA-3/RXA-5', 'RXA without a vaccine code or an administration time: left out');
      return;
    }
    const key = eiKey(orc?.rep(3)) || eiKey(orc?.rep(2)) || `${conv.patient!.reference}|${vaccine.coding?.[0]?.code ?? ''}|${rxa.get(3)}|${index}`;
    const rxr = conv.reader.following(rxa, ['RXR'], ['RXA', 'ORC'])[0];
    const amount = toNumber(rxa.get(6));
    const status = STATUS[rxa.get(20).toUpperCase()] ?? 'completed';
    const administeredBy = rxa.reps(10).map(toPersonReference).filter((p) => p !== undefined);
    const immunization: Immunization = {
      resourceType: 'Immunization',
      id: conv.id('Immunization', key),
      identifier: orc ? [orderIdentifier(conv, orc.rep(3), 'FILL'), orderIdentifier(conv, orc.rep(2), 'PLAC')].filter((i) => i !== undefined) : undefined,
      status,
      statusReason: status === 'not-done' && !rxa.rep(18).empty ? conv.concept(rxa.rep(18), 'RXA-18') : undefined,
      vaccineCode: vaccine,
      patient: conv.patient!,
      encounter: conv.encounter,
      occurrenceDateTime: when,
      // RXA-9 "00" = new immunization record, i.e. from the administering source.
      primarySource: rxa.get(9) ? rxa.get(9) === '00' : undefined,
      lotNumber: rxa.get(15) || undefined,
      expirationDate: rxa.get(16) ? toDate(rxa.get(16)) : undefined,
      manufacturer: rxa.get(17, 2) || rxa.get(17) ? { display: rxa.get(17, 2) || rxa.get(17) } : undefined,
      route: rxr && !rxr.rep(1).empty ? conv.concept(rxr.rep(1), 'RXR-1') : undefined,
      site: rxr && !rxr.rep(2).empty ? conv.concept(rxr.rep(2), 'RXR-2') : undefined,
      // 999 is the HL7 "amount unknown" convention.
      doseQuantity: amount !== undefined && amount !== 999 ? compact({ value: amount, unit: rxa.get(7, 2) || rxa.get(7) || undefined }) : undefined,
      performer: administeredBy.map((actor) => ({
        function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'AP', display: 'Administering Provider' }] },
        actor,
      })),
      note: orc ? notesAfter(conv, orc) : undefined,
    };
    const ref: Ref = conv.add(compact(immunization));
    for (const obx of conv.reader.following(rxa, ['OBX'], ['RXA', 'ORC'])) mapObservation(conv, obx, { key, partOf: ref });
  });
}

/** The ORC of an RXA is the nearest one before it, unless another RXA sits in between. */
function precedingOrc(conv: Conversion, rxa: Seg): Seg | undefined {
  const hit = conv.reader.segments
    .slice(0, rxa.position)
    .reverse()
    .find((s) => s.name === 'ORC' || s.name === 'RXA');
  return hit?.name === 'ORC' ? hit : undefined;
}

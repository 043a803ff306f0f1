// OBX → Observation, OBR (+ its OBX) → DiagnosticReport, ORC/OBR → ServiceRequest, NTE →
// notes on the resource they follow. Ids derive from order numbers (filler, then placer).
import type { Annotation, DiagnosticReport, Identifier, Observation, ServiceRequest } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toNumber, toPersonReference, type Ref } from '../datatypes.js';
import type { Rep, Seg } from '../reader.js';

const OBSERVATION_STATUS: Record<string, Observation['status']> = {
  F: 'final',
  C: 'corrected',
  A: 'amended',
  P: 'preliminary',
  S: 'preliminary',
  R: 'registered',
  I: 'registered',
  O: 'registered',
  X: 'cancelled',
  D: 'entered-in-error',
  W: 'entered-in-error',
  U: 'final',
};

const REPORT_STATUS: Record<string, DiagnosticReport['status']> = {
  F: 'final',
  C: 'corrected',
  A: 'partial',
  P: 'preliminary',
  R: 'partial',
  S: 'partial',
  I: 'registered',
  O: 'registered',
  X: 'cancelled',
  Y: 'cancelled',
  Z: 'cancelled',
};

/** ORC-1 order control / ORC-5 order status → ServiceRequest.status. */
const ORDER_STATUS: Record<string, ServiceRequest['status']> = {
  NW: 'active',
  SC: 'active',
  IP: 'active',
  XO: 'active',
  RP: 'active',
  CA: 'revoked',
  DC: 'revoked',
  OC: 'revoked',
  CM: 'completed',
  HD: 'on-hold',
  OH: 'on-hold',
  ER: 'entered-in-error',
};

/** NTE segments right after `seg` → annotations. */
export function notesAfter(conv: Conversion, seg: Seg): Annotation[] {
  return conv.reader
    .following(seg, ['NTE'], ['OBX', 'OBR', 'ORC', 'SPM', 'RXA', 'TXA', 'AIS', 'AIG', 'AIL', 'AIP', 'PID', 'PV1', 'SCH', 'DG1', 'PR1', 'AL1'])
    .map((nte) =>
      compact<Annotation>({
        text: nte.reps(3).map((r) => r.c(1)).join('\n'),
        authorReference: toPersonReference(nte.rep(5)),
        time: conv.dateTime(nte.get(6), 'NTE-6'),
      }),
    )
    .filter((a) => a.text);
}

/** EI (entity identifier) → Identifier typed PLAC/FILL. */
function orderIdentifier(r: Rep, type: 'PLAC' | 'FILL'): Identifier | undefined {
  const value = r.c(1);
  if (!value) return undefined;
  const universal = r.c(3);
  return compact<Identifier>({
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] },
    system: /^\d+(\.\d+)+$/.test(universal) ? `urn:oid:${universal}` : undefined,
    value,
    assigner: r.c(2) ? { display: r.c(2) } : undefined,
  });
}

/** The stable key of an order: filler number, else placer number, else its place in the message. */
function orderKey(conv: Conversion, orc: Seg | undefined, obr: Seg | undefined, fallback: string): string {
  return obr?.get(3) || orc?.get(3) || obr?.get(2) || orc?.get(2) || `${conv.header.controlId}#${fallback}`;
}

export interface ObservationOptions {
  key: string;
  category?: string;
  partOf?: Ref;
  fallbackTime?: string;
}

export function mapObservation(conv: Conversion, obx: Seg, opts: ObservationOptions): Ref | undefined {
  if (!conv.patient) return undefined;
  const code = conv.concept(obx.rep(3), 'OBX-3');
  if (!code) {
    conv.warn('HL7V2_OBSERVATION_WITHOUT_CODE', `OBX[${obx.position}]-3`, 'OBX without an observation identifier: left out');
    return undefined;
  }
  const valueType = obx.get(2).toUpperCase();
  const values = obx.reps(5);
  if (values.length > 1) conv.warn('HL7V2_REPEATED_VALUE', 'OBX-5', `OBX-5 repeats (${values.length}); only the first value is kept`);
  const status = OBSERVATION_STATUS[obx.get(11).toUpperCase()] ?? 'unknown';
  const interpretation = obx.reps(8).map((r) => r.c(1)).filter(Boolean);
  const range = obx.get(7);
  const observation: Observation = {
    resourceType: 'Observation',
    id: conv.id('Observation', opts.key, code.coding?.[0]?.code ?? code.text ?? '', obx.get(4), obx.get(1)),
    status,
    category: opts.category
      ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: opts.category }] }]
      : undefined,
    code,
    subject: conv.patient,
    encounter: conv.encounter,
    partOf: opts.partOf ? [opts.partOf] : undefined,
    effectiveDateTime: conv.dateTime(obx.get(14), 'OBX-14') ?? (opts.fallbackTime ? conv.dateTime(opts.fallbackTime, 'OBR-7') : undefined),
    performer: obx.reps(16).map(toPersonReference).filter((p) => p !== undefined),
    interpretation: interpretation.length
      ? interpretation.map((c) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: c }] }))
      : undefined,
    referenceRange: range ? [{ text: range }] : undefined,
    method: obx.rep(17).empty ? undefined : conv.concept(obx.rep(17), 'OBX-17'),
    bodySite: obx.rep(20).empty ? undefined : conv.concept(obx.rep(20), 'OBX-20'),
    note: notesAfter(conv, obx),
    ...valueOf(conv, valueType, values[0], obx),
  };
  return conv.add(compact(observation), opts.category === 'laboratory' ? 'Observation.lab' : 'Observation');
}

function valueOf(conv: Conversion, type: string, v: Rep | undefined, obx: Seg): Partial<Observation> {
  if (!v) return {};
  const units = obx.rep(6);
  switch (type) {
    case 'NM': {
      const n = toNumber(v.c(1));
      if (n === undefined) return { valueString: v.c(1) };
      const unitCode = units.c(1);
      const ucum = /^(UCUM|ISO\+?)$/i.test(units.c(3));
      return { valueQuantity: compact({ value: n, unit: units.c(2) || unitCode || undefined, system: ucum && unitCode ? 'http://unitsofmeasure.org' : undefined, code: ucum ? unitCode || undefined : undefined }) };
    }
    case 'SN': {
      const comparator = v.c(1);
      const n = toNumber(v.c(2));
      if (n !== undefined && !v.c(3) && ['', '<', '<=', '>', '>='].includes(comparator)) {
        return { valueQuantity: compact({ value: n, comparator: (comparator || undefined) as '<' | undefined, unit: units.c(2) || units.c(1) || undefined }) };
      }
      return { valueString: [v.c(1), v.c(2), v.c(3), v.c(4)].join('') };
    }
    case 'CE':
    case 'CWE':
    case 'CNE':
    case 'CF': {
      const cc = conv.concept(v, 'OBX-5');
      return cc ? { valueCodeableConcept: cc } : {};
    }
    case 'DT':
    case 'TS':
    case 'DTM': {
      const dt = conv.dateTime(v.c(1), 'OBX-5');
      return dt ? { valueDateTime: dt } : {};
    }
    case 'TM':
      return /^\d{2}:?\d{2}/.test(v.c(1)) ? { valueString: v.c(1) } : {};
    case 'ED':
      conv.warn('HL7V2_ENCAPSULATED_DATA', 'OBX-5', 'encapsulated data (ED) is not an Observation value; kept out of the Observation');
      return {};
    case 'RP':
      return { valueString: v.c(1) };
    default:
      return { valueString: [v.c(1), v.c(2)].filter(Boolean).join(' ') || undefined };
  }
}

/** ORC/OBR → ServiceRequest (ORM^O01, OML^O21, and the order behind ORU results). */
export function mapServiceRequest(conv: Conversion, orc: Seg | undefined, obr: Seg | undefined, index: number): Ref | undefined {
  if (!conv.patient || (!orc && !obr)) return undefined;
  const key = orderKey(conv, orc, obr, `order-${index}`);
  const control = orc?.get(1).toUpperCase() ?? '';
  const orderStatus = orc?.get(5).toUpperCase() ?? '';
  const code = obr ? conv.concept(obr.rep(4), 'OBR-4') : undefined;
  // ORC's field when valued, else OBR's; one of the two exists (checked above).
  const either = (orcField: number, obrField: number) => (orc?.get(orcField) || !obr ? orc!.rep(orcField) : obr.rep(obrField));
  const placer = orderIdentifier(either(2, 2), 'PLAC');
  const filler = orderIdentifier(either(3, 3), 'FILL');
  const reasons = conv.reader.all('DG1').map((dg1) => conv.concept(dg1.rep(3), 'DG1-3')).filter((c) => c !== undefined);
  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: conv.id('ServiceRequest', key),
    identifier: [placer, filler].filter((i) => i !== undefined),
    status: ORDER_STATUS[orderStatus] ?? ORDER_STATUS[control] ?? 'unknown',
    intent: 'order',
    priority: obr?.get(5) === 'S' ? 'stat' : undefined,
    code,
    subject: conv.patient,
    encounter: conv.encounter,
    occurrenceDateTime: obr ? conv.dateTime(obr.get(7), 'OBR-7') : undefined,
    authoredOn: orc ? conv.dateTime(orc.get(9), 'ORC-9') : undefined,
    requester: toPersonReference(either(12, 16)),
    reasonCode: conv.header.messageCode === 'ORM' || conv.header.messageCode === 'OML' ? reasons : undefined,
    note: [...(orc ? notesAfter(conv, orc) : []), ...(obr ? notesAfter(conv, obr) : [])],
  };
  return conv.add(compact(request));
}

/** OBR-32 (NDL): the person sits in subcomponents of the first component. */
function interpreterOf(r: Rep): Ref | undefined {
  const id = r.c(1, 1);
  const name = [r.c(1, 2), r.c(1, 3)].filter(Boolean).join(' ');
  if (!id && !name) return undefined;
  return compact<Ref>({ identifier: id ? { value: id } : undefined, display: name || undefined });
}

/** OBR and the OBX that follow it → DiagnosticReport with its Observations (ORU^R01). */
export function mapReport(conv: Conversion, obr: Seg, orc: Seg | undefined, index: number): void {
  if (!conv.patient) return;
  const key = orderKey(conv, orc, obr, `report-${index}`);
  const basedOn = mapServiceRequest(conv, orc, obr, index);
  const obxs = conv.reader.following(obr, ['OBX'], ['OBR', 'ORC']);
  const results = obxs
    .map((obx) => mapObservation(conv, obx, { key, category: 'laboratory', fallbackTime: obr.get(7) }))
    .filter((r) => r !== undefined);
  const code = conv.concept(obr.rep(4), 'OBR-4');
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: conv.id('DiagnosticReport', key),
    identifier: [orderIdentifier(obr.rep(3), 'FILL'), orderIdentifier(obr.rep(2), 'PLAC')].filter((i) => i !== undefined),
    basedOn: basedOn ? [basedOn] : undefined,
    status: REPORT_STATUS[obr.get(25).toUpperCase()] ?? 'unknown',
    category: obr.get(24) ? [conv.tableConcept(obr.get(24), '0074')!] : undefined,
    code: code ?? { text: 'unknown' },
    subject: conv.patient,
    encounter: conv.encounter,
    effectiveDateTime: conv.dateTime(obr.get(7), 'OBR-7'),
    issued: conv.instant(obr.get(22), 'OBR-22'),
    resultsInterpreter: obr.reps(32).map(interpreterOf).filter((p) => p !== undefined),
    result: results,
  };
  conv.add(compact(report));
}

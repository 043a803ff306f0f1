// OBX → Observation, OBR (+ its OBX) → DiagnosticReport, ORC/OBR → ServiceRequest, NTE →
// notes on the resource they follow. Ids derive from order numbers (filler, then placer).
import type { Annotation, CodeableConcept, DiagnosticReport, Identifier, Observation, ServiceRequest, Specimen } from '@medplum/fhirtypes';
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
/**
 * EI (placer/filler number) → Identifier typed PLAC/FILL. Like a CX, the assigning authority
 * (EI-2 namespace, EI-3 universal id) is part of the system: an OID gives urn:oid, a namespace
 * the facility's local authority namespace (docs/mapping-hl7v2.md §2).
 */
export function orderIdentifier(conv: Conversion, r: Rep, type: 'PLAC' | 'FILL'): Identifier | undefined {
  const value = r.c(1);
  if (!value) return undefined;
  const namespace = r.c(2);
  const universal = r.c(3);
  const system = /^\d+(\.\d+)+$/.test(universal)
    ? `urn:oid:${universal}`
    : namespace
      ? `urn:vhr:${conv.facility}:hl7v2:aa:${encodeURIComponent(namespace)}`
      : undefined;
  return compact<Identifier>({
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] },
    system,
    value,
    assigner: namespace ? { display: namespace } : undefined,
  });
}

/** An EI as a key: the number with its authority, so two senders' "1001" stay two orders. */
export function eiKey(r: Rep | undefined): string {
  if (!r?.c(1)) return '';
  const authority = r.c(3) || r.c(2);
  return authority ? `${r.c(1)}@${authority}` : r.c(1);
}

/** The stable key of an order: filler number, else placer number, else its place in the message. */
function orderKey(conv: Conversion, orc: Seg | undefined, obr: Seg | undefined, fallback: string): string {
  return eiKey(obr?.rep(3)) || eiKey(orc?.rep(3)) || eiKey(obr?.rep(2)) || eiKey(orc?.rep(2)) || `${conv.header.controlId}#${fallback}`;
}

export interface ObservationOptions {
  key: string;
  category?: string;
  partOf?: Ref;
  fallbackTime?: string;
  /** The order's code (OBR-4): what an OBX without OBX-3 reports on. */
  fallbackCode?: CodeableConcept;
  specimen?: Ref;
}

export function mapObservation(conv: Conversion, obx: Seg, opts: ObservationOptions): Ref | undefined {
  if (!conv.patient) return undefined;
  const valueType = obx.get(2).toUpperCase();
  const values = obx.reps(5);
  let code = conv.concept(obx.rep(3), 'OBX-3');
  if (!code) {
    // A result without an observation identifier (often report text, one OBX per line) is
    // still a result: kept, under the order's code when there is one.
    if (!values.length) return undefined;
    code = opts.fallbackCode ?? { text: 'unidentified observation (OBX-3 empty)' };
    conv.warnOnce('HL7V2_OBSERVATION_WITHOUT_CODE', 'OBX-3', 'OBX without an observation identifier: kept under the order\'s code (OBR-4) or a text code');
  }
  const sameCode = !obx.get(3);
  const status = OBSERVATION_STATUS[obx.get(11).toUpperCase()] ?? 'unknown';
  const interpretation = obx.reps(8).map((r) => r.c(1)).filter(Boolean);
  const range = obx.get(7);
  const observation: Observation = {
    resourceType: 'Observation',
    // Text lines without OBX-3 share the order's code: their place in the message tells them apart.
    id: conv.id('Observation', opts.key, code.coding?.[0]?.code ?? code.text ?? '', obx.get(4), obx.get(1), sameCode ? `#${obx.position}` : ''),
    status,
    category: opts.category
      ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: opts.category }] }]
      : undefined,
    code,
    subject: conv.patient,
    encounter: conv.encounter,
    partOf: opts.partOf ? [opts.partOf] : undefined,
    effectiveDateTime: conv.dateTime(obx.get(14), 'OBX-14') ?? (opts.fallbackTime ? conv.dateTime(opts.fallbackTime, 'OBR-7') : undefined),
    performer: [
      ...obx.reps(16).map(toPersonReference),
      // OBX-23..25: the performing organisation, its address and its medical director.
      obx.get(23) ? compact<Ref>({ display: obx.get(23), identifier: obx.get(23, 10) ? { value: obx.get(23, 10) } : undefined }) : undefined,
      toPersonReference(obx.rep(25)),
    ].filter((p) => p !== undefined),
    specimen: opts.specimen,
    interpretation: interpretation.length
      ? interpretation.map((c) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: c }] }))
      : undefined,
    referenceRange: range ? [{ text: range }] : undefined,
    method: obx.rep(17).empty ? undefined : conv.concept(obx.rep(17), 'OBX-17'),
    bodySite: obx.rep(20).empty ? undefined : conv.concept(obx.rep(20), 'OBX-20'),
    note: [...notesAfter(conv, obx), ...performingAddress(obx)],
    ...valueOf(conv, valueType, values, obx),
  };
  return conv.add(compact(observation), opts.category === 'laboratory' ? 'Observation.lab' : 'Observation');
}

/** OBX-24 (performing organisation address) kept as a note: Observation has no slot for it. */
function performingAddress(obx: Seg): Annotation[] {
  const a = obx.rep(24);
  if (a.empty) return [];
  const text = [a.whole(1), a.c(2), a.c(3), a.c(4), a.c(5), a.c(6)].filter(Boolean).join(', ');
  return text ? [{ text: `performed at: ${text}` }] : [];
}

function valueOf(conv: Conversion, type: string, values: Rep[], obx: Seg): Partial<Observation> {
  const v = values[0];
  if (!v) return {};
  // Text types: every repetition is a line of the same text, none is dropped.
  if (type === 'TX' || type === 'FT' || type === 'ST') return { valueString: values.map((r) => r.c(1)).join('\n') || undefined };
  if (values.length > 1) conv.warn('HL7V2_REPEATED_VALUE', 'OBX-5', `OBX-5 repeats (${values.length}); only the first value is kept`);
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
export function mapServiceRequest(conv: Conversion, orc: Seg | undefined, obr: Seg | undefined, index: number, specimens: Ref[] = []): Ref | undefined {
  if (!conv.patient || (!orc && !obr)) return undefined;
  const key = orderKey(conv, orc, obr, `order-${index}`);
  const control = orc?.get(1).toUpperCase() ?? '';
  const orderStatus = orc?.get(5).toUpperCase() ?? '';
  const code = obr ? conv.concept(obr.rep(4), 'OBR-4') : undefined;
  // ORC's field when valued, else OBR's; one of the two exists (checked above).
  const either = (orcField: number, obrField: number) => (orc?.get(orcField) || !obr ? orc!.rep(orcField) : obr.rep(obrField));
  const placer = orderIdentifier(conv, either(2, 2), 'PLAC');
  const filler = orderIdentifier(conv, either(3, 3), 'FILL');
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
    reasonCode: ['ORM', 'OML', 'OMG'].includes(conv.header.messageCode) ? reasons : undefined,
    specimen: specimens,
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
  const code = conv.concept(obr.rep(4), 'OBR-4');
  const specimens = specimensOf(conv, obr);
  const basedOn = mapServiceRequest(conv, orc, obr, index, specimens);
  const obxs = conv.reader.following(obr, ['OBX'], ['OBR', 'ORC', 'SPM']);
  const results = obxs
    .map((obx) => mapObservation(conv, obx, { key, category: 'laboratory', fallbackTime: obr.get(7), fallbackCode: code, specimen: specimens[0] }))
    .filter((r) => r !== undefined);
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: conv.id('DiagnosticReport', key),
    identifier: [orderIdentifier(conv, obr.rep(3), 'FILL'), orderIdentifier(conv, obr.rep(2), 'PLAC')].filter((i) => i !== undefined),
    basedOn: basedOn ? [basedOn] : undefined,
    status: REPORT_STATUS[obr.get(25).toUpperCase()] ?? 'unknown',
    category: obr.get(24) ? [conv.tableConcept(obr.get(24), '0074')!] : undefined,
    code: code ?? { text: 'unknown' },
    subject: conv.patient,
    encounter: conv.encounter,
    effectiveDateTime: conv.dateTime(obr.get(7), 'OBR-7'),
    issued: conv.instant(obr.get(22), 'OBR-22'),
    resultsInterpreter: obr.reps(32).map(interpreterOf).filter((p) => p !== undefined),
    specimen: specimens,
    result: results,
  };
  conv.add(compact(report));
}

/** The SPM segments of an order group (after its OBR, before the next OBR/ORC) as Specimens. */
export function specimensOf(conv: Conversion, obr: Seg): Ref[] {
  return conv.reader
    .following(obr, ['SPM'], ['OBR', 'ORC'])
    .map((spm) => mapSpecimen(conv, spm))
    .filter((r) => r !== undefined);
}

/** SPM → Specimen: SPM-2 id (placer & filler), type, collection (method, site, time, amount), receipt, condition. */
export function mapSpecimen(conv: Conversion, spm: Seg): Ref | undefined {
  if (!conv.patient) return undefined;
  const placer = spm.get(2, 1, 1);
  const filler = spm.get(2, 2, 1);
  const key = filler || placer || `${conv.header.controlId}#${spm.position}`;
  const type = spm.rep(4);
  const amount = toNumber(spm.get(12));
  const specimen: Specimen = {
    resourceType: 'Specimen',
    id: conv.id('Specimen', key),
    identifier: [
      filler ? compact<Identifier>({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FGN' }] }, value: filler, assigner: spm.get(2, 2, 2) ? { display: spm.get(2, 2, 2) } : undefined }) : undefined,
      placer ? compact<Identifier>({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PGN' }] }, value: placer, assigner: spm.get(2, 1, 2) ? { display: spm.get(2, 1, 2) } : undefined }) : undefined,
    ].filter((i) => i !== undefined),
    type: type.empty ? undefined : conv.concept(type, 'SPM-4'),
    subject: conv.patient,
    receivedTime: conv.dateTime(spm.get(18), 'SPM-18'),
    collection: compact({
      method: spm.rep(7).empty ? undefined : conv.concept(spm.rep(7), 'SPM-7'),
      bodySite: spm.rep(8).empty ? undefined : conv.concept(spm.rep(8), 'SPM-8'),
      collectedDateTime: spm.get(17, 2) ? undefined : conv.dateTime(spm.get(17, 1), 'SPM-17'),
      collectedPeriod: spm.get(17, 2) ? compact({ start: conv.dateTime(spm.get(17, 1), 'SPM-17'), end: conv.dateTime(spm.get(17, 2), 'SPM-17') }) : undefined,
      quantity: amount !== undefined ? compact({ value: amount, unit: spm.get(12, 2, 2) || spm.get(12, 2) || undefined }) : undefined,
    }),
    condition: spm.reps(24).map((r) => conv.concept(r, 'SPM-24')).filter((c) => c !== undefined),
    note: spm.get(14) ? [{ text: spm.get(14) }] : undefined,
  };
  return conv.add(compact(specimen));
}

// HL7v2 message → one FHIR R4 transaction Bundle (VN Core profiles from the pack).
// Pure (STYLE habit 7): bytes and context in, outcome out. Which segments each message type
// maps is the routing table below; the segment mappings live in ./segments/.
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { decodeHl7 } from './charset.js';
import { Conversion } from './context.js';
import { parseHl7Text } from './parse.js';
import { MessageReader } from './reader.js';
import type { Patient } from '@medplum/fhirtypes';
import type { Seg } from './reader.js';
import { mapAdverseReactions, mapAllergies, mapCoverages, mapDiagnoses, mapProblems, mapProcedures } from './segments/clinical.js';
import { mapCharges } from './segments/financial.js';
import { mapPharmacy } from './segments/medication.js';
import { mapReferral } from './segments/referral.js';
import { mapDocument } from './segments/document.js';
import { mapEncounter } from './segments/encounter.js';
import { mapImmunizations } from './segments/immunization.js';
import { mapMerge, mapPatient } from './segments/patient.js';
import { mapObservation, mapReport, mapServiceRequest, specimensOf } from './segments/results.js';
import { mapAppointment } from './segments/scheduling.js';

type Step = (conv: Conversion) => void;

/**
 * The segments of one patient: from a PID up to the next PID. Most messages have one; BAR^P02
 * and the like carry several, each with its own visit, diagnoses and charges.
 */
function patientGroups(conv: Conversion): Seg[][] {
  const groups: Seg[][] = [];
  let current: Seg[] | undefined;
  for (const seg of conv.reader.segments) {
    if (seg.name === 'PID') groups.push((current = [seg]));
    else if (current) current.push(seg);
  }
  // Segments before the first PID (REF's RF1/PRD, a leading ORC …) belong to the first patient.
  const first = groups[0]?.[0];
  if (first) groups[0] = [...conv.reader.segments.slice(1, first.position), ...groups[0]!];
  return groups;
}

const named = (group: readonly Seg[], name: string) => group.filter((s) => s.name === name);

/** Visit-shaped messages (ADT, BAR, DFT): for each patient group, the patient, the visit and what hangs off them. */
function visitEvent(opts: { visitOnly?: boolean; charges?: boolean } = {}): Step {
  return (conv) => {
    for (const group of patientGroups(conv)) {
      conv.encounter = undefined;
      if (!mapPatient(conv, named(group, 'PID')[0]!)) continue;
      const pv1 = named(group, 'PV1')[0];
      const visit = pv1 ? mapEncounter(conv, pv1, { visitOnly: opts.visitOnly }) : undefined;
      mapDiagnoses(conv, named(group, 'DG1'));
      mapAllergies(conv, named(group, 'AL1'));
      mapAdverseReactions(conv, named(group, 'IAM'));
      mapProcedures(conv, named(group, 'PR1'));
      mapCoverages(conv, named(group, 'IN1'));
      if (opts.charges) mapCharges(conv, named(group, 'FT1'));
      for (const rf1 of named(group, 'RF1')) mapReferral(conv, rf1);
      // Orders inside a visit message (DFT^P11 common orders, BAR): ServiceRequests with their OBX.
      mapOrders(conv, named(group, 'ORC'));
      const key = visit?.reference ?? conv.patient?.reference ?? conv.header.controlId;
      for (const obx of named(group, 'OBX')) {
        const owner = conv.reader.segments.slice(0, obx.position).reverse().find((s) => ['ORC', 'OBR', 'FT1', 'PR1', 'PID', 'PV1', 'PV2', 'DG1', 'AL1', 'IN1', 'GT1', 'NK1'].includes(s.name));
        if (owner?.name !== 'ORC' && owner?.name !== 'OBR') mapObservation(conv, obx, { key });
      }
    }
  };
}

const patient: Step = (conv) => {
  const pid = conv.reader.first('PID');
  if (pid) mapPatient(conv, pid);
};
const encounter: Step = (conv) => {
  const pv1 = conv.reader.first('PV1');
  if (pv1) mapEncounter(conv, pv1);
};
const diagnoses: Step = (conv) => mapDiagnoses(conv, conv.reader.all('DG1'));
const allergies: Step = (conv) => mapAllergies(conv, conv.reader.all('AL1'));
const procedures: Step = (conv) => mapProcedures(conv, conv.reader.all('PR1'));
const coverages: Step = (conv) => mapCoverages(conv, conv.reader.all('IN1'));
const problems: Step = (conv) => mapProblems(conv, conv.reader.all('PRB'));
const charges: Step = (conv) => mapCharges(conv, conv.reader.all('FT1'));
/** OBX outside any order group (SIU, PPR): observations about the visit or the patient. */
const looseObservations: Step = (conv) => {
  const key = conv.encounter?.reference ?? conv.patient?.reference ?? conv.header.controlId;
  for (const obx of conv.reader.all('OBX')) {
    // OBX of an order (OBR), a vaccination (RXA) or a document (TXA) belong to those mappings.
    const owner = conv.reader.segments.slice(0, obx.position).reverse().find((s) => ['OBR', 'RXA', 'TXA', 'RXE', 'RXO', 'RXD', 'PRB', 'PID', 'PV1', 'SCH', 'AIS'].includes(s.name));
    if (owner?.name === 'OBR' || owner?.name === 'RXA' || owner?.name === 'TXA') continue;
    mapObservation(conv, obx, { key });
  }
};
/** A40/A41/A47 may carry several PID/MRG pairs: each MRG names a record merged into the PID before it. */
const merges: Step = (conv) => {
  let current: ReturnType<typeof mapPatient>;
  for (const seg of conv.reader.segments) {
    if (seg.name === 'PID') current = mapPatient(conv, seg);
    else if (seg.name === 'MRG' && current) mapMerge(conv, seg, current);
  }
};
/** A29 "delete person information": the record is kept, marked inactive (docs/mapping-hl7v2.md). */
const deletePerson: Step = (conv) => {
  const pid = conv.reader.first('PID');
  if (!pid || !mapPatient(conv, pid)) return;
  const current = conv.get<Patient>(conv.patient!);
  if (current) conv.add<Patient>({ ...current, active: false });
  conv.warn('HL7V2_PERSON_DELETED', 'MSH-9', 'A29 deletes the person: the Patient is sent inactive, not deleted from the stores');
};
const reports: Step = (conv) => {
  conv.reader.all('OBR').forEach((obr, i) => {
    const orc = conv.reader.segments.slice(0, obr.position).reverse().find((s) => s.name === 'ORC' || s.name === 'OBR');
    mapReport(conv, obr, orc?.name === 'ORC' ? orc : undefined, i);
  });
};
/** Each ORC with its OBR (+ SPM) → ServiceRequest; the OBX of the group are its observations. */
function mapOrders(conv: Conversion, orcs: readonly Seg[]): void {
  orcs.forEach((orc, i) => {
    const obr = conv.reader.following(orc, ['OBR'], ['ORC'])[0];
    const specimens = obr ? specimensOf(conv, obr) : [];
    const order = mapServiceRequest(conv, orc, obr, i, specimens);
    const key = order?.reference ?? `${conv.header.controlId}#${i}`;
    const code = obr ? conv.concept(obr.rep(4), 'OBR-4') : undefined;
    for (const obx of conv.reader.following(orc, ['OBX'], ['ORC', 'FT1', 'PR1', 'PID'])) mapObservation(conv, obx, { key, fallbackCode: code, specimen: specimens[0] });
  });
}
const orders: Step = (conv) => mapOrders(conv, conv.reader.all('ORC'));
/** MDM: the order a document answers (ORC/OBR before the TXA); its OBX are the document's content. */
const documentOrders: Step = (conv) => {
  conv.reader.all('ORC').forEach((orc, i) => mapServiceRequest(conv, orc, conv.reader.following(orc, ['OBR'], ['ORC', 'TXA'])[0], i));
};
const pharmacy: Step = (conv) => mapPharmacy(conv);
const immunizations: Step = (conv) => mapImmunizations(conv);
const appointment: Step = (conv) => {
  const sch = conv.reader.first('SCH');
  if (sch) mapAppointment(conv, sch);
};
const document: Step = (conv) => {
  for (const txa of conv.reader.all('TXA')) mapDocument(conv, txa);
};
const referral: Step = (conv) => {
  for (const rf1 of conv.reader.all('RF1')) mapReferral(conv, rf1);
};

const VISIT_EVENTS = ['A01', 'A02', 'A03', 'A04', 'A05', 'A06', 'A07', 'A08', 'A09', 'A10', 'A11', 'A12', 'A13', 'A14', 'A15', 'A16', 'A21', 'A22', 'A25', 'A26', 'A27', 'A38', 'A45'];
const PERSON_EVENTS = ['A28', 'A31', 'A60'];

/** `CODE^EVENT` → mapping steps, in order: patient first, then the visit, then the rest. */
export const ROUTES: Readonly<Record<string, readonly Step[]>> = {
  ...Object.fromEntries(VISIT_EVENTS.map((e) => [`ADT^${e}`, [visitEvent()]])),
  ...Object.fromEntries(PERSON_EVENTS.map((e) => [`ADT^${e}`, [visitEvent({ visitOnly: true })]])),
  'ADT^A29': [deletePerson],
  ...Object.fromEntries(['A40', 'A41', 'A47'].map((e) => [`ADT^${e}`, [merges]])),
  ...Object.fromEntries(['P01', 'P02', 'P05', 'P06', 'P12'].map((e) => [`BAR^${e}`, [visitEvent({ charges: true })]])),
  ...Object.fromEntries(['P03', 'P11'].map((e) => [`DFT^${e}`, [visitEvent({ charges: true })]])),
  'ORU^R01': [patient, encounter, reports],
  'VXU^V04': [patient, encounter, immunizations],
  'ORM^O01': [patient, encounter, allergies, diagnoses, procedures, coverages, orders, charges],
  'OML^O21': [patient, encounter, allergies, diagnoses, procedures, coverages, orders, charges],
  'OMG^O19': [patient, encounter, allergies, diagnoses, procedures, coverages, orders, charges],
  ...Object.fromEntries(['O11', 'O25'].map((e) => [`RDE^${e}`, [patient, encounter, allergies, diagnoses, procedures, coverages, pharmacy, charges, looseObservations]])),
  'RDS^O13': [patient, encounter, allergies, diagnoses, procedures, coverages, pharmacy, charges, looseObservations],
  ...Object.fromEntries(['I12', 'I13', 'I14', 'I15'].map((e) => [`REF^${e}`, [patient, encounter, diagnoses, allergies, procedures, coverages, referral, reports]])),
  ...Object.fromEntries(['PC1', 'PC2', 'PC3'].map((e) => [`PPR^${e}`, [patient, encounter, problems, looseObservations]])),
  ...Object.fromEntries(['S12', 'S13', 'S14', 'S15', 'S16', 'S17', 'S26'].map((e) => [`SIU^${e}`, [patient, encounter, appointment, diagnoses, looseObservations]])),
  ...Object.fromEntries(['T01', 'T02', 'T03', 'T04', 'T05', 'T06', 'T07', 'T08', 'T09', 'T10', 'T11'].map((e) => [`MDM^${e}`, [patient, encounter, documentOrders, document]])),
};

export const Hl7v2ErrorCode = {
  unsupported: 'HL7V2_UNSUPPORTED_MESSAGE',
  noPatient: 'HL7V2_NO_PATIENT',
} as const;

export interface Hl7v2ConvertOptions {
  /** Per-source character set override (wins over MSH-18), as configured on the source. */
  charset?: string;
}

export function convertHl7v2Message(raw: Buffer, ctx: ConvertContext, opts: Hl7v2ConvertOptions = {}): ConvertOutcome {
  const decoded = decodeHl7(raw, opts.charset);
  const repaired = repairDoubledEscape(decoded.text);
  const parsed = parseHl7Text(repaired ?? decoded.text);
  if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message, field: parsed.field };
  const { header } = parsed;
  const route = ROUTES[`${header.messageCode}^${header.triggerEvent}`];
  if (!route) {
    return {
      ok: false,
      code: Hl7v2ErrorCode.unsupported,
      message: `${header.messageCode}^${header.triggerEvent} is not converted (supported: ${Object.keys(ROUTES).join(', ')})`,
      field: 'MSH-9',
    };
  }
  const reader = new MessageReader(parsed.message);
  const conv = new Conversion(reader, header, ctx);
  // Fields the header parse already consumed.
  const msh = reader.first('MSH')!;
  for (const n of [9, 10, 11, 12, 15, 16, 18]) msh.get(n);
  if (decoded.warning) conv.warn('HL7V2_CHARSET', 'MSH-18', decoded.warning);
  if (repaired) conv.warn('HL7V2_ENCODING_CHARACTERS_REPAIRED', 'MSH-2', 'MSH-2 was "^~\\\\&" (the escape character doubled, as a program string literal writes it); read as "^~\\&"');
  for (const step of route) step(conv);
  if (!conv.patient) {
    return { ok: false, code: Hl7v2ErrorCode.noPatient, message: 'no PID segment with a usable identifier (PID-3)', field: 'PID-3' };
  }
  return { ok: true, bundle: conv.bundle(), naturalKey: header.controlId, warnings: conv.warnings, notMapped: reader.notMapped() };
}

/**
 * MSH-2 written as `^~\\&` (the escape doubled by a program string literal) is one
 * recognisable mistake, not an ambiguity: read the message as `^~\&` and say so. Only the
 * converter does this; the listener's acknowledgement rules stay strict (parse.ts).
 */
function repairDoubledEscape(text: string): string | undefined {
  const start = text.replace(/^\uFEFF/, '');
  return start.startsWith('MSH|^~\\\\&|') ? `MSH|^~\\&|${start.slice('MSH|^~\\\\&|'.length)}` : undefined;
}

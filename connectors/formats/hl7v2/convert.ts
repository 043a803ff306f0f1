// HL7v2 message → one FHIR R4 transaction Bundle (VN Core profiles from the pack).
// Pure (STYLE habit 7): bytes and context in, outcome out. Which segments each message type
// maps is the routing table below; the segment mappings live in ./segments/.
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { decodeHl7 } from './charset.js';
import { Conversion } from './context.js';
import { parseHl7Text } from './parse.js';
import { MessageReader } from './reader.js';
import { mapAllergies, mapCoverages, mapDiagnoses, mapProcedures } from './segments/clinical.js';
import { mapDocument } from './segments/document.js';
import { mapEncounter } from './segments/encounter.js';
import { mapImmunizations } from './segments/immunization.js';
import { mapMerge, mapPatient } from './segments/patient.js';
import { mapObservation, mapReport, mapServiceRequest } from './segments/results.js';
import { mapAppointment } from './segments/scheduling.js';

type Step = (conv: Conversion) => void;

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
/** OBX outside any order group (ADT, SIU): observations about the visit or the patient. */
const looseObservations: Step = (conv) => {
  const key = conv.encounter?.reference ?? conv.patient?.reference ?? conv.header.controlId;
  for (const obx of conv.reader.all('OBX')) mapObservation(conv, obx, { key });
};
/** A40 may carry several PID/MRG pairs: each MRG merges into the PID before it. */
const merges: Step = (conv) => {
  let current: ReturnType<typeof mapPatient>;
  for (const seg of conv.reader.segments) {
    if (seg.name === 'PID') current = mapPatient(conv, seg);
    else if (seg.name === 'MRG' && current) mapMerge(conv, seg, current);
  }
};
const reports: Step = (conv) => {
  conv.reader.all('OBR').forEach((obr, i) => {
    const orc = conv.reader.segments.slice(0, obr.position).reverse().find((s) => s.name === 'ORC' || s.name === 'OBR');
    mapReport(conv, obr, orc?.name === 'ORC' ? orc : undefined, i);
  });
};
const orders: Step = (conv) => {
  const orcs = conv.reader.all('ORC');
  orcs.forEach((orc, i) => {
    const obr = conv.reader.following(orc, ['OBR'], ['ORC'])[0];
    const order = mapServiceRequest(conv, orc, obr, i);
    const key = order?.reference ?? `${conv.header.controlId}#${i}`;
    for (const obx of conv.reader.following(orc, ['OBX'], ['ORC'])) mapObservation(conv, obx, { key });
  });
};
const immunizations: Step = (conv) => mapImmunizations(conv);
const appointment: Step = (conv) => {
  const sch = conv.reader.first('SCH');
  if (sch) mapAppointment(conv, sch);
};
const document: Step = (conv) => {
  for (const txa of conv.reader.all('TXA')) mapDocument(conv, txa);
};

const VISIT_EVENT = [patient, encounter, diagnoses, allergies, procedures, coverages, looseObservations];
const PERSON_EVENT = [patient, allergies, coverages];

/** `CODE^EVENT` (or `CODE^*`) → mapping steps, in order: patient first, then the visit, then the rest. */
export const ROUTES: Readonly<Record<string, readonly Step[]>> = {
  ...Object.fromEntries(['A01', 'A02', 'A03', 'A04', 'A05', 'A06', 'A07', 'A08', 'A11', 'A13'].map((e) => [`ADT^${e}`, VISIT_EVENT])),
  'ADT^A28': PERSON_EVENT,
  'ADT^A31': PERSON_EVENT,
  'ADT^A40': [merges],
  'ORU^R01': [patient, encounter, reports],
  'VXU^V04': [patient, encounter, immunizations],
  'ORM^O01': [patient, encounter, allergies, orders],
  'OML^O21': [patient, encounter, allergies, orders],
  ...Object.fromEntries(['S12', 'S13', 'S14', 'S15', 'S17', 'S26'].map((e) => [`SIU^${e}`, [patient, encounter, appointment, diagnoses, looseObservations]])),
  ...Object.fromEntries(['T02', 'T04', 'T06', 'T08', 'T10'].map((e) => [`MDM^${e}`, [patient, encounter, document]])),
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
  const parsed = parseHl7Text(decoded.text);
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
  for (const step of route) step(conv);
  if (!conv.patient) {
    return { ok: false, code: Hl7v2ErrorCode.noPatient, message: 'no PID segment with a usable identifier (PID-3)', field: 'PID-3' };
  }
  return { ok: true, bundle: conv.bundle(), naturalKey: header.controlId, warnings: conv.warnings, notMapped: reader.notMapped() };
}

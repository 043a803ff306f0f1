// PID (+PD1, NK1) → Patient; MRG → the merged-away Patient and Patient.link (ADT^A40).
import type { CodeableConcept, Extension, Identifier, Patient, PatientContact, PatientLink } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toAddress, toContactPoint, toDate, toHumanName, toPersonReference, timeOf, type Ref } from '../datatypes.js';
import { patientKey, type ResolvedIdentifier } from '../identifiers.js';
import type { Seg } from '../reader.js';

const GENDER: Record<string, Patient['gender']> = { M: 'male', F: 'female', O: 'other', A: 'other', U: 'unknown', N: 'unknown' };

/** HL7 table 0002 codes that exist unchanged in v3 MaritalStatus. */
const V3_MARITAL = new Set(['A', 'D', 'I', 'L', 'M', 'P', 'S', 'T', 'U', 'W']);

function identifiersOf(conv: Conversion, seg: Seg, field: number): ResolvedIdentifier[] {
  const out: ResolvedIdentifier[] = [];
  for (const rep of seg.reps(field)) {
    const resolved = conv.ids.fromCx(rep);
    if (!resolved) continue;
    if (!resolved.identifier.system) {
      conv.warn(
        'HL7V2_IDENTIFIER_WITHOUT_SYSTEM',
        `${seg.name}-${field}`,
        `identifier of type "${rep.c(5)}" names no assigning authority and the message no sending facility; kept without a system`,
      );
    } else if (resolved.unmappedAuthority) {
      conv.warnOnce(
        'HL7V2_AUTHORITY_NOT_MAPPED',
        `${seg.name}-${field}`,
        `assigning authority "${resolved.unmappedAuthority}" is not mapped to a VN Core system (config hl7v2.assigningAuthorities); its identifiers use ${resolved.identifier.system}`,
      );
    }
    out.push(resolved);
  }
  return out;
}

/** Id of the Patient known by these identifiers, or undefined when none can key it. */
function patientIdOf(conv: Conversion, ids: readonly ResolvedIdentifier[]): string | undefined {
  const key = patientKey(ids);
  return key?.value ? conv.id('Patient', key.system ?? 'local', key.value) : undefined;
}

/** PID-19 (SSN) and PID-20 (driver's licence): plain values kept as typed identifiers. */
function otherIdentifiers(conv: Conversion, pid: Seg): ResolvedIdentifier[] {
  const out: ResolvedIdentifier[] = [];
  const ssn = pid.get(19);
  if (ssn) out.push({ identifier: { type: conv.tableConcept('SS', '0203'), value: ssn } });
  const licence = pid.rep(20);
  if (licence.c(1)) {
    out.push({
      identifier: compact({
        type: conv.tableConcept('DL', '0203'),
        value: licence.c(1),
        assigner: licence.c(2) ? { display: licence.c(2) } : undefined,
        period: licence.c(3) ? { end: toDate(licence.c(3)) } : undefined,
      }),
    });
  }
  return out;
}

/** GT1-2 guarantor number and GT1-12 guarantor SSN, when the guarantor is the patient. */
function guarantorIdentifiers(conv: Conversion, gt1: Seg): ResolvedIdentifier[] {
  const out = identifiersOf(conv, gt1, 2);
  if (gt1.get(12)) out.push({ identifier: { type: conv.tableConcept('SS', '0203'), value: gt1.get(12) } });
  return out;
}

/**
 * IN2 describes the insured. When the insured is the patient (IN1-17 = SEL), the insured's
 * card numbers are the patient's: IN2-2 employee id, IN2-6 Medicare, IN2-8 Medicaid, IN2-10
 * military id, IN2-61 patient member number.
 */
function insuredSelfIdentifiers(conv: Conversion): ResolvedIdentifier[] {
  const out: ResolvedIdentifier[] = [];
  for (const in1 of conv.reader.all('IN1')) {
    if (in1.get(17).toUpperCase() !== 'SEL') continue;
    const in2 = conv.reader.following(in1, ['IN2'], ['IN1'])[0];
    if (!in2) continue;
    for (const [field, type] of [[6, 'MC'], [8, 'MA'], [10, 'MI']] as const) {
      if (in2.get(field)) out.push({ identifier: { type: conv.tableConcept(type, '0203'), value: in2.get(field) } });
    }
    out.push(...identifiersOf(conv, in2, 2), ...identifiersOf(conv, in2, 61));
  }
  return out;
}

/** ISO 639-2 (three letters, as HL7 table 0296 often carries) → the BCP 47 tag FHIR wants. */
const ISO639_2_TO_1: Record<string, string> = {
  vie: 'vi', eng: 'en', fra: 'fr', fre: 'fr', zho: 'zh', chi: 'zh', ara: 'ar', spa: 'es', deu: 'de', ger: 'de', rus: 'ru',
  jpn: 'ja', kor: 'ko', khm: 'km', lao: 'lo', tha: 'th', hin: 'hi', por: 'pt', ita: 'it', nld: 'nl', dut: 'nl',
};

function languageOf(cc: CodeableConcept): CodeableConcept {
  return {
    ...cc,
    coding: cc.coding?.map((c) => {
      const two = c.code ? ISO639_2_TO_1[c.code.toLowerCase()] : undefined;
      return two ? { ...c, system: 'urn:ietf:bcp:47', code: two } : c;
    }),
  };
}

/** Extensions for PID-6 mother's maiden name, PID-17 religion, PID-23 birthplace, PID-26 citizenship, PID-28 nationality (VN Core nationality slot). */
function personExtensions(conv: Conversion, pid: Seg): Extension[] {
  const out: Extension[] = [];
  // PID-6 mother's maiden name (family name of the XPN), PID-17 religion (VN Core uses the core extension).
  const maiden = pid.get(6);
  if (maiden) out.push({ url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: maiden });
  const religion = pid.rep(17);
  if (!religion.empty) {
    const code = conv.concept(religion, 'PID-17');
    if (code) out.push({ url: 'http://hl7.org/fhir/StructureDefinition/patient-religion', valueCodeableConcept: code });
  }
  const birthPlace = pid.get(23);
  if (birthPlace) out.push({ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { text: birthPlace } });
  for (const rep of pid.reps(26)) {
    const code = conv.concept(rep, 'PID-26');
    if (code) out.push({ url: 'http://hl7.org/fhir/StructureDefinition/patient-citizenship', extension: [{ url: 'code', valueCodeableConcept: code }] });
  }
  const nationality = pid.rep(28);
  const nationalityUrl = conv.ctx.profilePack.extensions.nationality;
  if (!nationality.empty && nationalityUrl) {
    const code = conv.concept(nationality, 'PID-28');
    if (code) out.push({ url: nationalityUrl, extension: [{ url: 'code', valueCodeableConcept: code }] });
  }
  return out;
}

export function mapPatient(conv: Conversion, pid: Seg): Ref | undefined {
  // PID-3 is the patient identifier list; PID-2 (external id) and PID-4 (alternate id) are
  // older places for the same kind of CX, kept as further identifiers.
  const ids = identifiersOf(conv, pid, 3);
  const external = identifiersOf(conv, pid, 2);
  const id = patientIdOf(conv, ids.length ? ids : external);
  if (!id) return undefined;
  // GT1-11 = SEL: the guarantor is the patient, so what GT1 says about the guarantor is the patient's.
  const self = conv.reader.all('GT1').filter((g) => g.get(11).toUpperCase() === 'SEL');
  const allIds = [...ids, ...external, ...identifiersOf(conv, pid, 4), ...otherIdentifiers(conv, pid), ...self.flatMap((g) => guarantorIdentifiers(conv, g)), ...insuredSelfIdentifiers(conv)];
  const birth = pid.get(7);
  const birthTime = timeOf(birth);
  const deathTime = pid.get(29);
  const deceasedFlag = pid.get(30);
  const marital = pid.get(16);
  const language = pid.rep(15);
  const birthTimeUrl = conv.ctx.profilePack.extensions.birthTime;
  const pd1 = conv.reader.first('PD1');
  const patient: Patient = {
    resourceType: 'Patient',
    id,
    extension: personExtensions(conv, pid),
    identifier: dedupe(allIds.map((i) => i.identifier)),
    active: true,
    // PID-5 names, PID-9 aliases, and the guarantor's name when the guarantor is the patient.
    name: [...pid.reps(5), ...pid.reps(9), ...self.flatMap((g) => g.reps(3))].map(toHumanName).filter((n) => n !== undefined),
    telecom: [
      ...pid.reps(13).map((r) => toContactPoint(r, 'home')),
      ...pid.reps(14).map((r) => toContactPoint(r, 'work')),
      ...pid.reps(40).map((r) => toContactPoint(r)),
      ...self.flatMap((g) => [...g.reps(6).map((r) => toContactPoint(r, 'home')), ...g.reps(7).map((r) => toContactPoint(r, 'work'))]),
    ].filter((t) => t !== undefined),
    gender: GENDER[pid.get(8).toUpperCase()],
    birthDate: birth ? toDate(birth) : undefined,
    deceasedDateTime: deathTime ? conv.dateTime(deathTime, 'PID-29') : undefined,
    deceasedBoolean: !deathTime && deceasedFlag ? deceasedFlag === 'Y' : undefined,
    address: [...pid.reps(11), ...self.flatMap((g) => g.reps(5))].map(toAddress).filter((a) => a !== undefined),
    maritalStatus: marital
      ? {
          coding: [
            {
              system: V3_MARITAL.has(marital) ? 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus' : 'http://terminology.hl7.org/CodeSystem/v2-0002',
              code: marital,
            },
          ],
        }
      : undefined,
    multipleBirthInteger: pid.get(25) && /^\d+$/.test(pid.get(25)) ? Number(pid.get(25)) : undefined,
    multipleBirthBoolean: !pid.get(25) && pid.get(24) ? pid.get(24) === 'Y' : undefined,
    communication: language.empty ? undefined : [{ language: languageOf(conv.concept(language, 'PID-15')!) }],
    contact: conv.reader.all('NK1').map((nk1) => contactOf(conv, nk1)).filter((c) => c !== undefined),
    generalPractitioner: pd1
      ? [...pd1.reps(4).map(toPersonReference), ...pd1.reps(3).map((r) => (r.c(1) ? { display: r.c(1) } : undefined))].filter(
          (g): g is Ref => g !== undefined,
        )
      : undefined,
  };
  // The primitive's extension (`_birthDate`) is valid FHIR JSON but absent from the generated types.
  if (birthTime && birthTimeUrl && patient.birthDate) {
    Object.assign(patient, { _birthDate: { extension: [{ url: birthTimeUrl, valueDateTime: birthTime } satisfies Extension] } });
  }
  if (birth && !patient.birthDate) conv.warn('HL7V2_BAD_TIMESTAMP', 'PID-7', `birth date "${birth}" is not an HL7 date; left out`);
  conv.patient = conv.add(compact(patient));
  return conv.patient;
}

function dedupe(ids: Identifier[]): Identifier[] {
  const seen = new Set<string>();
  return ids.filter((i) => {
    const key = `${i.system ?? ''}|${i.value ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function contactOf(conv: Conversion, nk1: Seg): PatientContact | undefined {
  const relationship = nk1.rep(3);
  const contact = compact<PatientContact>({
    relationship: relationship.empty ? undefined : [conv.concept(relationship, 'NK1-3')!],
    name: toHumanName(nk1.rep(2)),
    telecom: [...nk1.reps(5).map((r) => toContactPoint(r, 'home')), ...nk1.reps(6).map((r) => toContactPoint(r, 'work'))].filter(
      (t) => t !== undefined,
    ),
    address: toAddress(nk1.rep(4)),
    period: nk1.get(8) || nk1.get(9) ? compact({ start: conv.dateTime(nk1.get(8), 'NK1-8'), end: conv.dateTime(nk1.get(9), 'NK1-9') }) : undefined,
  });
  return Object.keys(contact).length ? contact : undefined;
}

/**
 * ADT^A40: MRG-1 names the record merged away. The surviving Patient `replaces` it; the old
 * one is written inactive with `replaced-by`, so a store keeps both linked and its history
 * keeps what the old record said.
 */
export function mapMerge(conv: Conversion, mrg: Seg, survivor: Ref): void {
  const priorIds = identifiersOf(conv, mrg, 1);
  const priorId = patientIdOf(conv, priorIds);
  if (!priorId) {
    conv.warn('HL7V2_MERGE_WITHOUT_PRIOR_ID', 'MRG-1', 'MRG-1 carries no identifier: nothing to link');
    return;
  }
  const priorRef = { reference: `Patient/${priorId}` };
  if (priorRef.reference === survivor.reference) {
    conv.warn('HL7V2_MERGE_SAME_PATIENT', 'MRG-1', 'MRG-1 names the same patient as PID-3: nothing to link');
    return;
  }
  const priorName = mrg.reps(7).map(toHumanName).filter((n) => n !== undefined);
  conv.add<Patient>({
    resourceType: 'Patient',
    id: priorId,
    identifier: priorIds.map((i) => i.identifier),
    active: false,
    name: priorName,
    link: [{ other: survivor, type: 'replaced-by' }],
  });
  const current = conv.get<Patient>(survivor);
  if (current) {
    const link: PatientLink[] = [...(current.link ?? []), { other: priorRef, type: 'replaces' }];
    conv.add<Patient>({ ...current, link });
  }
}

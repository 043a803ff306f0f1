// DG1 → Condition (and Encounter.diagnosis), AL1 → AllergyIntolerance, PR1 → Procedure,
// IN1 → Coverage. Ids come from the patient or visit plus the code, never from set ids
// alone, so a re-sent or re-ordered message updates the same resources.
import type { AllergyIntolerance, Condition, Coverage, Encounter, Procedure } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference } from '../datatypes.js';
import type { Seg } from '../reader.js';

/** DG1-6 diagnosis type → Encounter.diagnosis.use (diagnosis-role). */
const DIAGNOSIS_ROLE: Record<string, string> = { A: 'AD', F: 'DD', W: 'CM' };

export function mapDiagnoses(conv: Conversion, dg1s: readonly Seg[]): void {
  if (!conv.patient) return;
  const pack = conv.ctx.profilePack;
  const diagnosis: NonNullable<Encounter['diagnosis']> = [];
  for (const dg1 of dg1s) {
    const code = conv.concept(dg1.rep(3), 'DG1-3');
    const description = dg1.get(4);
    if (!code && !description) continue;
    const key = code?.coding?.[0] ? `${code.coding[0].system ?? ''}|${code.coding[0].code}` : description;
    const scope = conv.encounter?.reference ?? conv.patient.reference!;
    const isIcd10 = code?.coding?.some((c) => c.system === pack.codeSystems.icd10) ?? false;
    const condition: Condition = {
      resourceType: 'Condition',
      id: conv.id('Condition', scope, key),
      category: [
        {
          coding: [{ system: pack.codeSystems.conditionCategory ?? 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }],
        },
      ],
      code: code ? { ...code, text: code.text ?? (description || undefined) } : { text: description },
      subject: conv.patient,
      encounter: conv.encounter,
      onsetDateTime: conv.dateTime(dg1.get(5), 'DG1-5'),
      recordedDate: conv.dateTime(dg1.get(19), 'DG1-19'),
      asserter: toPersonReference(dg1.rep(16)),
    };
    const ref = conv.add(compact(condition), isIcd10 ? 'Condition.diagnosis' : 'Condition');
    const role = DIAGNOSIS_ROLE[dg1.get(6).toUpperCase()];
    const rank = dg1.get(15);
    diagnosis.push(
      compact({
        condition: ref,
        use: role ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/diagnosis-role', code: role }] } : undefined,
        rank: /^[1-9]\d*$/.test(rank) ? Number(rank) : undefined,
      }),
    );
  }
  const encounter = conv.encounter ? conv.get<Encounter>(conv.encounter) : undefined;
  if (encounter && diagnosis.length) conv.add<Encounter>({ ...encounter, diagnosis });
}

const ALLERGY_CATEGORY: Record<string, AllergyIntolerance['category']> = {
  DA: ['medication'],
  FA: ['food'],
  EA: ['environment'],
  AA: ['environment'],
  PA: ['environment'],
  LA: ['environment'],
};

const CRITICALITY: Record<string, AllergyIntolerance['criticality']> = { SV: 'high', MO: 'low', MI: 'low', U: 'unable-to-assess' };

export function mapAllergies(conv: Conversion, al1s: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const al1 of al1s) {
    const code = conv.concept(al1.rep(3), 'AL1-3');
    if (!code) continue;
    const key = code.coding?.[0]?.code ?? code.text ?? '';
    const reactions = al1.reps(5).map((r) => r.c(1)).filter(Boolean);
    const allergy: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: conv.id('AllergyIntolerance', conv.patient.reference!, key),
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
      category: ALLERGY_CATEGORY[al1.get(2).toUpperCase()],
      criticality: CRITICALITY[al1.get(4).toUpperCase()],
      code,
      patient: conv.patient,
      onsetDateTime: conv.dateTime(al1.get(6), 'AL1-6'),
      reaction: reactions.length ? [{ manifestation: reactions.map((text) => ({ text })) }] : undefined,
    };
    conv.add(compact(allergy));
  }
}

export function mapProcedures(conv: Conversion, pr1s: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const pr1 of pr1s) {
    const code = conv.concept(pr1.rep(3), 'PR1-3');
    const description = pr1.get(4);
    if (!code && !description) continue;
    const when = pr1.get(5);
    const key = code?.coding?.[0]?.code ?? description;
    const performers = [...pr1.reps(11), ...pr1.reps(12), ...pr1.reps(8)].map(toPersonReference).filter((p) => p !== undefined);
    const reason = pr1.rep(15);
    const procedure: Procedure = {
      resourceType: 'Procedure',
      id: conv.id('Procedure', conv.encounter?.reference ?? conv.patient.reference!, key, when),
      status: 'completed',
      category: pr1.get(6) ? conv.tableConcept(pr1.get(6), '0230', pr1.get(6, 2) || undefined) : undefined,
      code: code ? { ...code, text: code.text ?? (description || undefined) } : { text: description },
      subject: conv.patient,
      encounter: conv.encounter,
      performedDateTime: conv.dateTime(when, 'PR1-5'),
      performer: performers.map((actor) => ({ actor })),
      reasonCode: reason.empty ? undefined : [conv.concept(reason, 'PR1-15')!],
    };
    conv.add(compact(procedure));
  }
}

/** Plans or companies whose coverage is the national health insurance (BHYT). */
const BHYT_PAYERS = new Set(['BHYT', 'BHXH', 'VSS']);

export function mapCoverages(conv: Conversion, in1s: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const in1 of in1s) {
    const plan = in1.get(2);
    const company = in1.get(3);
    const companyName = in1.get(4);
    const policy = in1.get(36);
    const isBhyt = [plan, company, companyName].some((v) => BHYT_PAYERS.has(v.toUpperCase()));
    const key = policy || `${plan}|${company}|${in1.get(1)}`;
    // IN2 (right after its IN1) adds the insured's member numbers under this coverage.
    const in2 = conv.reader.following(in1, ['IN2'], ['IN1'])[0];
    const memberIds = in2
      ? ([[6, 'MC'], [8, 'MA'], [10, 'MI']] as const)
          .filter(([field]) => in2.get(field))
          .map(([field, type]) => ({ type: conv.tableConcept(type, '0203'), value: in2.get(field) }))
          .concat(in2.reps(61).map((r) => ({ type: conv.tableConcept('MB', '0203'), value: r.c(1) })).filter((i) => i.value))
      : [];
    const coverage: Coverage = {
      resourceType: 'Coverage',
      id: conv.id('Coverage', conv.patient.reference!, key),
      identifier: [policy ? compact({ system: isBhyt ? conv.ids.systemOf('bhyt') : undefined, value: policy }) : undefined, ...memberIds].filter((i) => i !== undefined),
      subscriberId: in1.get(49) || undefined,
      status: 'active',
      type: in1.get(15) ? conv.tableConcept(in1.get(15), '0086', in1.get(15, 2) || undefined) : undefined,
      beneficiary: conv.patient,
      relationship: in1.get(17) ? conv.tableConcept(in1.get(17), '0063', in1.get(17, 2) || undefined) : undefined,
      period: compact({ start: conv.dateTime(in1.get(12), 'IN1-12'), end: conv.dateTime(in1.get(13), 'IN1-13') }),
      payor: [{ display: companyName || company || plan || 'unknown payer' }],
      class: [
        plan ? { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' }] }, value: plan, name: in1.get(2, 2) || undefined } : undefined,
        in1.get(8) ? compact({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'group' }] }, value: in1.get(8), name: in1.get(9) || undefined }) : undefined,
      ].filter((c) => c !== undefined),
    };
    if (isBhyt) conv.add(compact(coverage));
    else conv.add(compact(coverage), null);
  }
}

/** IAM-17 / AL1 verification (HL7 table 0438) → AllergyIntolerance.verificationStatus. */
const ALLERGY_VERIFICATION: Record<string, string> = { C: 'confirmed', U: 'unconfirmed', P: 'unconfirmed', S: 'unconfirmed', D: 'refuted', E: 'entered-in-error' };

/** IAM (ADT^A60 adverse reaction information) → AllergyIntolerance, keyed on IAM-7 when sent. */
export function mapAdverseReactions(conv: Conversion, iams: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const iam of iams) {
    const code = conv.concept(iam.rep(3), 'IAM-3');
    if (!code) continue;
    const key = iam.get(7) || code.coding?.[0]?.code || code.text || '';
    const reactions = iam.reps(5).map((r) => r.c(2) || r.c(1)).filter(Boolean);
    const verification = ALLERGY_VERIFICATION[iam.get(17).toUpperCase()] ?? 'confirmed';
    const deleted = iam.get(6).toUpperCase() === 'D';
    const allergy: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: conv.id('AllergyIntolerance', conv.patient.reference!, key),
      identifier: iam.get(7) ? [compact({ value: iam.get(7), assigner: iam.get(7, 2) ? { display: iam.get(7, 2) } : undefined })] : undefined,
      clinicalStatus: verification === 'entered-in-error' ? undefined : { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: deleted ? 'inactive' : 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: verification }] },
      category: ALLERGY_CATEGORY[iam.get(2).toUpperCase()],
      criticality: CRITICALITY[iam.get(4).toUpperCase()],
      code,
      patient: conv.patient,
      onsetDateTime: conv.dateTime(iam.get(11), 'IAM-11'),
      recordedDate: conv.dateTime(iam.get(13), 'IAM-13'),
      reaction: reactions.length ? [{ manifestation: reactions.map((text) => ({ text })) }] : undefined,
    };
    conv.add(compact(allergy));
  }
}

/** PRB-14 problem life cycle status → Condition.clinicalStatus (condition-clinical codes). */
const PROBLEM_STATUS: Record<string, string> = { ACTIVE: 'active', A: 'active', INACTIVE: 'inactive', I: 'inactive', RESOLVED: 'resolved', R: 'resolved', REMISSION: 'remission', RECURRENCE: 'recurrence' };

/** PRB (PPR^PC1/PC2/PC3 problem list) → Condition with category problem-list-item. */
export function mapProblems(conv: Conversion, prbs: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const prb of prbs) {
    const code = conv.concept(prb.rep(3), 'PRB-3');
    if (!code) continue;
    const key = prb.get(4) || `${code.coding?.[0]?.system ?? ''}|${code.coding?.[0]?.code ?? code.text}`;
    // PRB-14 is the life cycle status; some senders put the word in PRB-13 instead.
    const lifeCycle = PROBLEM_STATUS[prb.get(14).toUpperCase()] ?? PROBLEM_STATUS[prb.get(13).toUpperCase()];
    const deleted = prb.get(1).toUpperCase() === 'DE';
    const condition: Condition = {
      resourceType: 'Condition',
      id: conv.id('Condition', conv.patient.reference!, 'problem', key),
      identifier: prb.get(4) ? [{ value: prb.get(4) }] : undefined,
      clinicalStatus: lifeCycle && !deleted ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: lifeCycle }] } : undefined,
      verificationStatus: deleted ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } : undefined,
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
      code,
      subject: conv.patient,
      encounter: conv.encounter,
      onsetDateTime: conv.dateTime(prb.get(16), 'PRB-16'),
      abatementDateTime: conv.dateTime(prb.get(9), 'PRB-9'),
      recordedDate: conv.dateTime(prb.get(7), 'PRB-7') ?? conv.dateTime(prb.get(2), 'PRB-2'),
    };
    conv.add(compact(condition));
  }
}

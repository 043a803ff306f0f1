// The rest of XML1: weight (CAN_NANG) and blood group (NHOM_MAU) as Observations, the
// treatment method and discharge advice (PP_DIEU_TRI, GHI_CHU) as a CarePlan.
import type { CarePlan, Observation } from '@medplum/fhirtypes';
import type { MapContext } from './context.js';
import { decimalOf } from './fields.js';
import type { TableRow } from './row.js';

export function buildXml1Observations(ctx: MapContext, row: TableRow): Observation[] {
  const { pack } = ctx;
  const out: Observation[] = [];
  const when = ctx.encounterPeriod?.start;
  const weight = decimalOf(ctx, row, 'CAN_NANG');
  if (weight) {
    out.push({
      resourceType: 'Observation',
      id: ctx.recordResourceId('Observation', 'CAN_NANG'),
      meta: pack.meta('Observation.vitalSigns'),
      status: 'final',
      category: [pack.concept('observationCategory', 'vital-signs', 'Vital Signs')],
      code: pack.concept('loinc', '29463-7', 'Body weight'),
      subject: ctx.patientRef(),
      encounter: ctx.encounterRef(),
      ...(when ? { effectiveDateTime: when } : {}),
      valueQuantity: { value: weight.value, unit: 'kg', system: pack.cs('ucum'), code: 'kg' },
    });
  }
  const nhomMau = row.get('NHOM_MAU');
  if (nhomMau) {
    out.push({
      resourceType: 'Observation',
      id: ctx.recordResourceId('Observation', 'NHOM_MAU'),
      meta: pack.meta('Observation.lab'),
      status: 'final',
      category: [pack.concept('observationCategory', 'laboratory', 'Laboratory')],
      code: pack.concept('loinc', '882-1', 'ABO and Rh group [Type] in Blood'),
      subject: ctx.patientRef(),
      encounter: ctx.encounterRef(),
      ...(when ? { effectiveDateTime: when } : {}),
      valueCodeableConcept: pack.concept('bloodGroup', nhomMau.toUpperCase().replace(/\s+/g, ''), undefined, nhomMau),
    });
  }
  return out;
}

export function buildTreatmentPlan(ctx: MapContext, row: TableRow): CarePlan | undefined {
  const { pack } = ctx;
  const method = row.get('PP_DIEU_TRI');
  const advice = row.get('GHI_CHU');
  if (!method && !advice) return undefined;
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: ctx.recordResourceId('CarePlan'),
    meta: pack.meta('CarePlan'),
    status: 'completed',
    intent: 'plan',
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  };
  if (method) plan.description = method;
  if (advice) plan.note = [{ text: advice }];
  return plan;
}

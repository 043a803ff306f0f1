// XML4 (CHI_TIET_CLS, one row per result item) → one Observation per row, and one
// DiagnosticReport per MA_DICH_VU (the ordered service) gathering its rows, with the
// conclusions (KET_LUAN) joined. A numeric GIA_TRI is a Quantity (with its unit when one is
// written); anything else is kept as the string written. Imaging rows carry their findings (MO_TA) as text.
import type { CodeableConcept, DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { practitionerRef, ref, type MapContext } from './context.js';
import { decimal } from './datatypes.js';
import { dateTimeOf } from './fields.js';
import { lineKeys } from './lines.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

interface ReportGroup {
  maDichVu: string;
  observations: Observation[];
  conclusions: string[];
  times: string[];
  readers: string[];
  imaging: boolean;
}

function observationCode(ctx: MapContext, row: TableRow, maDichVu: string | undefined): CodeableConcept {
  const maChiSo = row.get('MA_CHI_SO');
  const name = row.get('TEN_CHI_SO');
  if (maChiSo) return ctx.pack.concept('clsIndex', maChiSo, undefined, name);
  if (name) return { text: name };
  if (maDichVu) return ctx.pack.concept('serviceCatalogue', maDichVu);
  return { text: `XML4 dòng ${row.position}` };
}

function setValue(ctx: MapContext, row: TableRow, obs: Observation): void {
  const value = row.get('GIA_TRI');
  const unit = row.get('DON_VI_DO');
  const findings = row.get('MO_TA');
  if (value !== undefined) {
    const n = decimal(value);
    // A number is a Quantity even when the unit is missing (XML4 DON_VI_DO is often empty): the value stays comparable.
    if (n.ok) obs.valueQuantity = unit ? { value: n.value.value, unit } : { value: n.value.value };
    else obs.valueString = unit ? `${value} ${unit}` : value;
  } else if (findings) {
    obs.valueString = findings;
    return;
  } else {
    obs.dataAbsentReason = ctx.pack.concept('dataAbsentReason', 'unknown', 'Unknown');
  }
  if (findings) obs.note = [{ text: findings }];
}

export function mapResults(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const { pack } = ctx;
  const groups = new Map<string, ReportGroup>();
  const keys = lineKeys(rows);
  for (const row of rows) {
    const maDichVu = row.get('MA_DICH_VU');
    const imaging = row.peek('MO_TA') !== undefined && row.peek('GIA_TRI') === undefined;
    const obs: Observation = {
      resourceType: 'Observation',
      id: ctx.recordResourceId('Observation', 'XML4', keys.get(row)!),
      meta: pack.meta(imaging ? 'Observation' : 'Observation.lab'),
      status: 'final',
      category: [imaging ? pack.concept('observationCategory', 'imaging', 'Imaging') : pack.concept('observationCategory', 'laboratory', 'Laboratory')],
      code: observationCode(ctx, row, maDichVu),
      subject: ctx.patientRef(),
      encounter: ctx.encounterRef(),
    };
    const when = dateTimeOf(ctx, row, 'NGAY_KQ');
    if (when) {
      obs.effectiveDateTime = when;
      if (when.length > 10) obs.issued = when;
    }
    const reader = row.get('MA_BS_DOC_KQ');
    if (reader) obs.performer = [practitionerRef(pack, reader)];
    setValue(ctx, row, obs);
    const sr = maDichVu ? record.serviceRequests.get(maDichVu) : undefined;
    if (sr) obs.basedOn = [ref(sr.id!)];
    record.extra.push(obs);

    const groupKey = maDichVu ?? '';
    let group = groups.get(groupKey);
    if (!group) {
      group = { maDichVu: groupKey, observations: [], conclusions: [], times: [], readers: [], imaging };
      groups.set(groupKey, group);
    }
    group.observations.push(obs);
    const conclusion = row.get('KET_LUAN');
    if (conclusion && !group.conclusions.includes(conclusion)) group.conclusions.push(conclusion);
    if (when) group.times.push(when);
    if (reader && !group.readers.includes(reader)) group.readers.push(reader);
  }
  for (const group of groups.values()) record.extra.push(report(ctx, group, record));
}

function report(ctx: MapContext, group: ReportGroup, record: RecordSoFar): DiagnosticReport {
  const { pack } = ctx;
  const sr = group.maDichVu ? record.serviceRequests.get(group.maDichVu) : undefined;
  const code: CodeableConcept = group.maDichVu ? (sr?.code ?? pack.concept('serviceCatalogue', group.maDichVu)) : { text: 'Kết quả cận lâm sàng' };
  const dr: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: ctx.recordResourceId('DiagnosticReport', 'XML4', group.maDichVu),
    meta: pack.meta('DiagnosticReport'),
    status: 'final',
    category: [pack.concept('diagnosticServiceSection', group.imaging ? 'RAD' : 'LAB')],
    code,
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  };
  if (sr) dr.basedOn = [ref(sr.id!)];
  const times = [...group.times].sort();
  if (times.length) {
    dr.effectiveDateTime = times[0];
    const last = times[times.length - 1]!;
    if (last.length > 10) dr.issued = last;
  }
  if (group.readers.length) dr.resultsInterpreter = group.readers.map((r) => practitionerRef(pack, r));
  dr.result = group.observations.map((o) => ref(o.id!));
  if (group.conclusions.length) dr.conclusion = group.conclusions.join('\n');
  return dr;
}

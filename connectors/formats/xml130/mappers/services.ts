// XML3 (CHI_TIET_DVKT, services and supplies) → per row a Claim line; for a clinical
// service also a ServiceRequest (the order) and a Procedure (what was done). Supplies
// (MA_VAT_TU) and billing-only groups (consultation, bed-days, transport: MA_NHOM 12–16)
// are Claim lines only.
import type { CodeableConcept, Procedure, ProcedurePerformer, ServiceRequest } from '@medplum/fhirtypes';
import { Xml130WarningCode, practitionerRef, ref, type MapContext } from './context.js';
import { icd10, splitList } from './datatypes.js';
import { dateTimeOf } from './fields.js';
import { departmentLocation, lineKeys } from './lines.js';
import { XML3_BILLING_ONLY_GROUPS } from './mappingTables.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

function reasons(ctx: MapContext, row: TableRow): CodeableConcept[] {
  const out: CodeableConcept[] = [];
  for (const raw of splitList(row.get('MA_BENH'))) {
    const p = icd10(raw);
    if (p.ok) out.push(ctx.pack.concept('icd10', p.value.code));
    else ctx.warn(Xml130WarningCode.invalidValue, row.field('MA_BENH'), p.reason);
  }
  for (const code of splitList(row.get('MA_BENH_YHCT'))) out.push(ctx.pack.concept('yhctDisease', code));
  return out;
}

function clinicalService(ctx: MapContext, row: TableRow, key: string, record: RecordSoFar, maDichVu: string, name: string | undefined): void {
  const { pack } = ctx;
  const code: CodeableConcept = pack.concept('serviceCatalogue', maDichVu, undefined, name);
  const orderers = splitList(row.get('MA_BAC_SI'));
  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: ctx.recordResourceId('ServiceRequest', 'XML3', key),
    meta: pack.meta('ServiceRequest'),
    status: 'completed',
    intent: 'order',
    code,
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  };
  const authoredOn = dateTimeOf(ctx, row, 'NGAY_YL');
  if (authoredOn) request.authoredOn = authoredOn;
  if (orderers[0]) request.requester = practitionerRef(pack, orderers[0]);
  const why = reasons(ctx, row);
  if (why.length) request.reasonCode = why;

  const procedure: Procedure = {
    resourceType: 'Procedure',
    id: ctx.recordResourceId('Procedure', 'XML3', key),
    meta: pack.meta('Procedure'),
    basedOn: [ref(request.id!)],
    status: 'completed',
    code: { ...code, coding: [...(code.coding ?? []), ...splitList(row.get('MA_PTTT_QT')).map((c) => pack.coding('icd9cm', c))] },
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  };
  const done = dateTimeOf(ctx, row, 'NGAY_TH_YL');
  const result = dateTimeOf(ctx, row, 'NGAY_KQ');
  if (done && result && result >= done) procedure.performedPeriod = { start: done, end: result };
  else if (done) procedure.performedDateTime = done;
  else if (result) procedure.performedDateTime = result;
  const performers: ProcedurePerformer[] = splitList(row.get('NGUOI_THUC_HIEN')).map((p) => ({ actor: practitionerRef(pack, p) }));
  if (performers.length) procedure.performer = performers;
  const maKhoa = row.peek('MA_KHOA');
  if (maKhoa) procedure.location = ref(departmentLocation(ctx, record.departments, maKhoa).id!, maKhoa);
  if (why.length) procedure.reasonCode = why;
  const site = row.get('VI_TRI_TH_DVKT');
  if (site) procedure.bodySite = [pack.concept('bodySite', site)];
  const anaesthesia = row.get('PP_VO_CAM');
  const machine = row.get('MA_MAY');
  const notes = [anaesthesia ? `PP_VO_CAM: ${anaesthesia}` : undefined, machine ? `MA_MAY: ${machine}` : undefined].filter((n): n is string => n !== undefined);
  if (notes.length) procedure.note = notes.map((text) => ({ text }));

  if (!record.serviceRequests.has(maDichVu)) record.serviceRequests.set(maDichVu, request);
  record.extra.push(request, procedure);
}

function mapRow(ctx: MapContext, row: TableRow, key: string, record: RecordSoFar): void {
  const maVatTu = row.get('MA_VAT_TU');
  const maDichVu = row.get('MA_DICH_VU');
  const unit = row.get('DON_VI_TINH');
  if (maVatTu) {
    const name = row.get('TEN_VAT_TU');
    // A supply used within a service names that service in MA_DICH_VU; the line is the supply.
    record.claimLines.push({ row, product: { csKey: 'supplyCatalogue', code: maVatTu }, productText: name, unitPriceElement: 'DON_GIA_BV', unit });
    return;
  }
  const name = row.get('TEN_DICH_VU');
  const group = row.peek('MA_NHOM');
  if (maDichVu && !(group && XML3_BILLING_ONLY_GROUPS.has(group))) clinicalService(ctx, row, key, record, maDichVu, name);
  if (!maDichVu) ctx.warn(Xml130WarningCode.missingValue, row.field('MA_DICH_VU'), 'neither MA_DICH_VU nor MA_VAT_TU: the line is billed by its name only');
  const product = maDichVu ? { csKey: 'serviceCatalogue', code: maDichVu } : undefined;
  record.claimLines.push({ row, product, productText: name, unitPriceElement: 'DON_GIA_BV', unit });
}

export function mapServices(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const keys = lineKeys(rows);
  for (const row of rows) mapRow(ctx, row, keys.get(row)!, record);
}

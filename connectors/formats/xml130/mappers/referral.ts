// XML13 (giấy chuyển tuyến, the referral paper) → a referral ServiceRequest addressed to the
// receiving facility (MA_NOI_DEN), and the paper itself as a DocumentReference.
import type { CodeableConcept, ServiceRequest } from '@medplum/fhirtypes';
import { Xml130WarningCode, practitionerRef, type MapContext } from './context.js';
import { icd10, splitList } from './datatypes.js';
import { paperDocument } from './papers.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

function diagnosisCodes(ctx: MapContext, row: TableRow): CodeableConcept[] {
  const out: CodeableConcept[] = [];
  for (const name of ['MA_BENH_CHINH', 'MA_BENH_KT']) {
    for (const raw of splitList(row.peek(name))) {
      const p = icd10(raw);
      if (p.ok) out.push(ctx.pack.concept('icd10', p.value.code));
      else ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
    }
  }
  return out;
}

export function mapReferral(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const { pack } = ctx;
  rows.forEach((row) => {
    const suffix = rows.length > 1 ? [String(row.position)] : [];
    const request: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: ctx.recordResourceId('ServiceRequest', 'XML13', ...suffix),
      meta: pack.meta('ServiceRequest'),
      status: 'completed',
      intent: 'order',
      category: [pack.concept('snomed', '3457005', 'Patient referral')],
      subject: ctx.patientRef(),
      encounter: ctx.encounterRef(),
    };
    const number = row.peek('GIAY_CHUYEN_TUYEN') ?? row.peek('SO_CHUYENTUYEN');
    if (number) request.identifier = [pack.identifier('giayChuyenTuyen', number)];
    const doctor = splitList(row.peek('MA_BAC_SI'))[0];
    if (doctor) request.requester = practitionerRef(pack, doctor);
    const to = row.peek('MA_NOI_DEN');
    if (to) request.performer = [ctx.otherFacilityRef(to)];
    const reasons: CodeableConcept[] = [];
    const why = row.peek('MA_LYDO_CT');
    if (why) reasons.push(pack.concept('referralReason', why));
    reasons.push(...diagnosisCodes(ctx, row));
    if (reasons.length) request.reasonCode = reasons;
    const plan = row.peek('HUONG_DIEU_TRI');
    if (plan) request.note = [{ text: plan }];
    record.extra.push(request);
    record.extra.push(paperDocument(ctx, row, { typeCode: 'XML13', display: 'Giấy chuyển tuyến', identifier: ['SO_CHUYENTUYEN', 'giayChuyenTuyen'] }, rows.length));
  });
}

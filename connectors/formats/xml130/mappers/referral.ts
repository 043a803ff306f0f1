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

/**
 * MA_LYDO_CT is a 1-digit code (XML130.md §12, Bảng 13); some exporters write the whole line
 * of the paper ("2. Theo yêu cầu của người bệnh …"). The leading digit is the code and the
 * words stay as the concept's text; anything else is text only, never a code.
 */
export function referralReason(ctx: MapContext, row: TableRow): CodeableConcept | undefined {
  const raw = row.peek('MA_LYDO_CT');
  if (!raw) return undefined;
  if (/^\d$/.test(raw)) return ctx.pack.concept('referralReason', raw);
  const m = /^(\d)\s*[.)\-:]\s*(\S[\s\S]*)$/.exec(raw);
  if (m) {
    ctx.normalise({ field: row.field('MA_LYDO_CT'), rule: 'code-from-text', to: m[1]! });
    return ctx.pack.concept('referralReason', m[1]!, undefined, m[2]!.trim());
  }
  ctx.warn(Xml130WarningCode.invalidValue, row.field('MA_LYDO_CT'), 'MA_LYDO_CT is not a 1-digit referral-reason code; kept as text');
  return { text: raw };
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
    const why = referralReason(ctx, row);
    if (why) reasons.push(why);
    reasons.push(...diagnosisCodes(ctx, row));
    if (reasons.length) request.reasonCode = reasons;
    const plan = row.peek('HUONG_DIEU_TRI');
    if (plan) request.note = [{ text: plan }];
    record.extra.push(request);
    record.extra.push(paperDocument(ctx, row, { typeCode: 'XML13', display: 'Giấy chuyển tuyến', identifier: ['SO_CHUYENTUYEN', 'giayChuyenTuyen'] }, rows.length));
  });
}

// XML2 (CHI_TIET_THUOC, one row per drug line) → MedicationRequest (vn-core-medication-request)
// and a Claim line. A MedicationRequest rather than a MedicationDispense: the row is the
// prescriber's order (NGAY_YL, MA_BAC_SI, LIEU_DUNG) with the quantity supplied, and the IG's
// XML2 logical model maps to vn-core-medication-request (VNCORE.md §5).
import type { Dosage, Extension, MedicationRequest } from '@medplum/fhirtypes';
import { practitionerRef, type MapContext } from './context.js';
import { splitList } from './datatypes.js';
import { dateTimeOf, decimalOf } from './fields.js';
import { lineKeys } from './lines.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

function medicationText(row: TableRow): string | undefined {
  const name = row.get('TEN_THUOC');
  const strength = row.get('HAM_LUONG');
  const form = row.get('DANG_BAO_CHE');
  if (!name) return undefined;
  return [name, strength, form ? `(${form})` : undefined].filter(Boolean).join(' ');
}

function dosage(ctx: MapContext, row: TableRow): Dosage | undefined {
  const d: Dosage = {};
  const text = row.get('LIEU_DUNG');
  if (text) d.text = text;
  const instructions = row.get('CACH_DUNG');
  if (instructions) d.patientInstruction = instructions;
  const route = row.get('DUONG_DUNG');
  if (route) d.route = ctx.pack.concept('medicationRoute', route);
  return Object.keys(d).length ? d : undefined;
}

function mapRow(ctx: MapContext, row: TableRow, key: string, record: RecordSoFar): void {
  const { pack } = ctx;
  const maThuoc = row.get('MA_THUOC');
  const text = medicationText(row);
  const unit = row.peek('DON_VI_TINH');
  const extension: Extension[] = [];
  const soDangKy = row.get('SO_DANG_KY');
  if (soDangKy) extension.push({ url: pack.ext('medicationRegistrationNumber'), valueString: soDangKy });
  const thau = row.get('TT_THAU');
  if (thau) extension.push({ url: pack.ext('tenderInfo'), valueString: thau });
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: ctx.recordResourceId('MedicationRequest', 'XML2', key),
    meta: pack.meta('MedicationRequest'),
    status: 'completed',
    intent: 'order',
    medicationCodeableConcept: maThuoc ? pack.concept('activeIngredient', maThuoc, undefined, text) : { text: text ?? `XML2 dòng ${row.position}` },
    subject: ctx.patientRef(),
    encounter: ctx.encounterRef(),
  };
  if (extension.length) request.extension = extension;
  const authoredOn = dateTimeOf(ctx, row, 'NGAY_YL');
  if (authoredOn) request.authoredOn = authoredOn;
  const prescribers = splitList(row.get('MA_BAC_SI'));
  if (prescribers[0]) request.requester = practitionerRef(pack, prescribers[0]);
  const processing = row.get('MA_PP_CHEBIEN');
  if (processing) request.note = [{ text: `MA_PP_CHEBIEN: ${processing}` }];
  const dose = dosage(ctx, row);
  if (dose) request.dosageInstruction = [dose];
  const qty = decimalOf(ctx, row, 'SO_LUONG');
  const source = row.get('MA_CSKCB_THUOC');
  if (qty || source) {
    request.dispenseRequest = {};
    if (qty) request.dispenseRequest.quantity = unit ? { value: qty.value, unit } : { value: qty.value };
    if (source) request.dispenseRequest.performer = { display: source };
  }
  record.extra.push(request);
  const product = maThuoc ? { csKey: 'activeIngredient', code: maThuoc } : undefined;
  record.claimLines.push({ row, product, productText: row.peek('TEN_THUOC'), unitPriceElement: 'DON_GIA', unit: row.get('DON_VI_TINH') });
}

export function mapMedications(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const keys = lineKeys(rows);
  for (const row of rows) mapRow(ctx, row, keys.get(row)!, record);
}

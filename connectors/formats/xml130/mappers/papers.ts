// Paper-like tables (XML7 discharge paper, XML8 treatment summary, XML9's birth certificate,
// XML10 pregnancy rest, XML11 sick leave, XML12 medical assessment, XML13 referral paper,
// XML15 TB treatment) → DocumentReference (vn-core-document-reference). The whole paper is
// kept as a UTF-8 text attachment, one `ELEMENT: value` line per element written, so that
// nothing is lost; the elements FHIR has a place for are also set as structured fields.
import type { DocumentReference, Patient, Reference } from '@medplum/fhirtypes';
import { practitionerRef, type MapContext } from './context.js';
import { claimDate } from './datatypes.js';
import { dateTimeOf } from './fields.js';
import type { TableRow } from './row.js';
import type { RecordSoFar, TableMapper } from './tableMappers.js';

export interface PaperSpec {
  /** LOAIHOSO, also the code in the pack's documentType code system. */
  typeCode: string;
  /** Vietnamese name of the paper. */
  display: string;
  loinc?: readonly [code: string, display: string];
  /** Element holding the paper's number, and the identifier system key it belongs to. */
  identifier?: readonly [element: string, systemKey: string];
  author?: string;
  authenticator?: string;
  /** Element holding the date the paper was signed (yyyyMMdd). */
  date?: string;
}

/** The paper as text: every element with a value, in the order written. */
export function paperText(row: TableRow): string {
  return row
    .names()
    .map((name) => `${name}: ${row.get(name)}`)
    .join('\n');
}

export function paperDocument(ctx: MapContext, row: TableRow, spec: PaperSpec, rowCount: number, subject?: Reference<Patient>): DocumentReference {
  const { pack } = ctx;
  const idParts = rowCount > 1 ? [spec.typeCode, String(row.position)] : [spec.typeCode];
  const type = pack.concept('documentType', spec.typeCode, spec.display);
  if (spec.loinc) type.coding!.push(pack.coding('loinc', spec.loinc[0], spec.loinc[1]));
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    id: ctx.recordResourceId('DocumentReference', ...idParts),
    meta: pack.meta('DocumentReference'),
    status: 'current',
    type,
    subject: subject ?? ctx.patientRef(),
    description: spec.display,
    content: [],
  };
  if (spec.identifier) {
    const value = row.get(spec.identifier[0]);
    if (value) doc.identifier = [pack.identifier(spec.identifier[1], value)];
  }
  const author = spec.author ? row.get(spec.author) : undefined;
  if (author) doc.author = [practitionerRef(pack, author)];
  const authenticator = spec.authenticator ? row.get(spec.authenticator) : undefined;
  if (authenticator) doc.authenticator = practitionerRef(pack, authenticator);
  const start = row.peek('NGAY_VAO') ? dateTimeOf(ctx, row, 'NGAY_VAO') : undefined;
  const end = row.peek('NGAY_RA') ? dateTimeOf(ctx, row, 'NGAY_RA') : undefined;
  doc.context = { encounter: [ctx.encounterRef()] };
  if (start || end) doc.context.period = { ...(start ? { start } : {}), ...(end && (!start || end >= start) ? { end } : {}) };
  const text = paperText(row);
  const signed = spec.date ? row.peek(spec.date) : undefined;
  const creation = signed ? claimDate(signed) : undefined;
  doc.content = [
    {
      attachment: {
        contentType: 'text/plain; charset=utf-8',
        language: 'vi',
        data: Buffer.from(text, 'utf8').toString('base64'),
        title: spec.display,
        ...(creation?.ok ? { creation: creation.value } : {}),
      },
    },
  ];
  return doc;
}

export function paperMapper(spec: PaperSpec): TableMapper {
  return (ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar) => {
    for (const row of rows) record.extra.push(paperDocument(ctx, row, spec, rows.length));
  };
}

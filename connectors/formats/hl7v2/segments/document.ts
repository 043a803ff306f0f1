// TXA (+ the OBX that carry the content) → DocumentReference (MDM^T02 and the like).
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference } from '../datatypes.js';
import type { Seg } from '../reader.js';

/** TXA-17 completion status (HL7 table 0271) → DocumentReference.docStatus. */
const DOC_STATUS: Record<string, DocumentReference['docStatus']> = {
  AU: 'final',
  LA: 'final',
  DI: 'preliminary',
  DO: 'preliminary',
  IP: 'preliminary',
  IN: 'preliminary',
  PA: 'preliminary',
};

/** TXA-19 availability (HL7 table 0273) → DocumentReference.status. */
const STATUS: Record<string, DocumentReference['status']> = { AV: 'current', CA: 'entered-in-error', OB: 'superseded', UN: 'current' };

export function mapDocument(conv: Conversion, txa: Seg): void {
  if (!conv.patient) return;
  const uniqueId = txa.get(12);
  const key = uniqueId || `${conv.header.controlId}#${txa.position}`;
  const content = conv.reader
    .following(txa, ['OBX'], ['TXA'])
    .map((obx) => attachmentOf(conv, obx))
    .filter((a) => a !== undefined);
  if (!content.length) conv.warn('HL7V2_DOCUMENT_WITHOUT_CONTENT', 'OBX-5', 'no OBX carries the document content; an empty attachment is sent');
  const authors = [...txa.reps(9), ...txa.reps(5)].map(toPersonReference).filter((p) => p !== undefined);
  const docType = txa.get(2);
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    id: conv.id('DocumentReference', key),
    masterIdentifier: uniqueId ? { value: uniqueId } : undefined,
    identifier: txa.get(13) ? [{ value: txa.get(13) }] : undefined,
    status: STATUS[txa.get(19).toUpperCase()] ?? 'current',
    docStatus: DOC_STATUS[txa.get(17).toUpperCase()],
    type: docType ? conv.tableConcept(docType, '0270') : undefined,
    subject: conv.patient,
    date: conv.instant(txa.get(4) || txa.get(6), 'TXA-4'),
    author: authors,
    authenticator: toPersonReference(txa.rep(22)),
    content: (content.length ? content : [{ contentType: txa.get(3) ? mimeOf(txa.get(3)) : undefined }]).map((attachment) => ({ attachment: compact(attachment) })),
    context: conv.encounter ? { encounter: [conv.encounter] } : undefined,
  };
  conv.add(compact(document));
}

/** TXA-3 content presentation (table 0191) → MIME type. */
function mimeOf(presentation: string): string | undefined {
  const map: Record<string, string> = { TX: 'text/plain', FT: 'text/plain', HTML: 'text/html', PDF: 'application/pdf' };
  return map[presentation.toUpperCase()];
}

function attachmentOf(conv: Conversion, obx: Seg): Attachment | undefined {
  const type = obx.get(2).toUpperCase();
  const v = obx.rep(5);
  const title = obx.get(3, 2) || undefined;
  if (type === 'ED') {
    const mime = [v.c(2), v.c(3)].filter(Boolean).join('/').toLowerCase();
    const encoding = v.c(4).toUpperCase();
    const data = v.c(5);
    if (!data) conv.warn('HL7V2_DOCUMENT_WITHOUT_DATA', 'OBX-5', 'encapsulated data carries no content');
    const base64 = encoding === 'BASE64' ? data.replace(/\s+/g, '') : data ? Buffer.from(data, 'utf8').toString('base64') : undefined;
    return compact<Attachment>({ contentType: mime || 'application/octet-stream', data: base64 || undefined, title });
  }
  if (type === 'RP') return compact<Attachment>({ url: v.c(1) || undefined, contentType: [v.c(3), v.c(4)].filter(Boolean).join('/').toLowerCase() || undefined, title });
  if (type === 'TX' || type === 'FT' || type === 'ST') {
    const text = obx.reps(5).map((r) => r.c(1)).join('\n');
    return text ? { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text, 'utf8').toString('base64'), title } : undefined;
  }
  // Other types (e.g. HD, a DICOM study uid) describe the document rather than carry it.
  return undefined;
}

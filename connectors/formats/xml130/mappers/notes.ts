// XML5 (CHI_TIET_DIEN_BIEN_BENH, the clinical course) → one ClinicalImpression per note:
// the clinician's assessment at THOI_DIEM_DBLS, with the progress note as its description.
import type { Annotation, ClinicalImpression } from '@medplum/fhirtypes';
import { practitionerRef, type MapContext } from './context.js';
import { splitList } from './datatypes.js';
import { dateTimeOf } from './fields.js';
import { lineKeys } from './lines.js';
import type { TableRow } from './row.js';
import type { RecordSoFar } from './tableMappers.js';

/** Sections of a note that have no element of their own, kept as labelled annotations. */
const NOTE_SECTIONS = [
  ['HOI_CHAN', 'Hội chẩn'],
  ['PHAU_THUAT', 'Phẫu thuật'],
] as const;

export function mapClinicalCourse(ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar): void {
  const { pack } = ctx;
  const keys = lineKeys(rows);
  for (const row of rows) {
    const note: ClinicalImpression = {
      resourceType: 'ClinicalImpression',
      id: ctx.recordResourceId('ClinicalImpression', 'XML5', keys.get(row)!),
      meta: pack.meta('ClinicalImpression'),
      status: 'completed',
      subject: ctx.patientRef(),
      encounter: ctx.encounterRef(),
    };
    const text = row.get('DIEN_BIEN_LS');
    if (text) note.description = text;
    const when = dateTimeOf(ctx, row, 'THOI_DIEM_DBLS');
    if (when) note.effectiveDateTime = when;
    const authors = splitList(row.get('NGUOI_THUC_HIEN'));
    if (authors[0]) note.assessor = practitionerRef(pack, authors[0]);
    const stage = row.get('GIAI_DOAN_BENH');
    if (stage) note.summary = stage;
    const annotations: Annotation[] = [];
    for (const [name, label] of NOTE_SECTIONS) {
      const v = row.get(name);
      if (v) annotations.push({ text: `${label}: ${v}` });
    }
    // Co-authors beyond the first: ClinicalImpression has a single assessor.
    for (const other of authors.slice(1)) annotations.push({ text: `NGUOI_THUC_HIEN: ${other}` });
    if (annotations.length) note.note = annotations;
    record.extra.push(note);
  }
}

// The registry of table mappers: LOAIHOSO → the function that turns its rows into
// resources. A table without an entry is reported whole in `notMapped` (XML6 on purpose:
// HIV care records need Consent and security labels the agent does not yet apply).
import type { Coverage, Encounter, Location, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { mapAppointment } from './appointment.js';
import { mapBirthCertificates } from './birth.js';
import type { ClaimLine } from './claim.js';
import type { Diagnosis } from './conditions.js';
import type { MapContext } from './context.js';
import { mapMedications } from './medication.js';
import { mapClinicalCourse } from './notes.js';
import { paperMapper } from './papers.js';
import { mapReferral } from './referral.js';
import { mapResults } from './results.js';
import type { TableRow } from './row.js';
import { mapServices } from './services.js';

/** What XML1 produced, for the other tables to link to; mappers add their resources to `extra`. */
export interface RecordSoFar {
  xml1: TableRow;
  patient: Patient;
  encounter: Encounter;
  diagnoses: Diagnosis[];
  coverages: Coverage[];
  /** Department Locations by MA_KHOA (XML1's list first, then any a line table names). */
  departments: Map<string, Location>;
  /** Billed lines of XML2 and XML3, in table order, for the Claim. */
  claimLines: ClaimLine[];
  /** XML3 service orders by MA_DICH_VU, for XML4 reports to point at (basedOn). */
  serviceRequests: Map<string, ServiceRequest>;
  /** Names of the tables present, so XML1 fields repeated by XML14 are checked only once. */
  tables: ReadonlySet<string>;
  extra: Resource[];
}

export type TableMapper = (ctx: MapContext, rows: readonly TableRow[], record: RecordSoFar) => void;

export const TABLE_MAPPERS: Readonly<Record<string, TableMapper>> = {
  XML2: mapMedications,
  XML3: mapServices,
  XML4: mapResults,
  XML5: mapClinicalCourse,
  XML7: paperMapper({ typeCode: 'XML7', display: 'Giấy ra viện', loinc: ['18842-5', 'Discharge summary'], identifier: ['SO_LUU_TRU', 'soLuuTru'], author: 'MA_BS', authenticator: 'MA_TTDV', date: 'NGAY_CT' }),
  XML8: paperMapper({ typeCode: 'XML8', display: 'Tóm tắt hồ sơ bệnh án', loinc: ['34133-9', 'Summary of episode note'], authenticator: 'MA_TTDV', date: 'NGAY_CT' }),
  XML9: mapBirthCertificates,
  XML10: paperMapper({ typeCode: 'XML10', display: 'Giấy chứng nhận nghỉ dưỡng thai', identifier: ['SO_CT', 'clinicalDocument'], author: 'MA_BS', authenticator: 'MA_TTDV', date: 'NGAY_CT' }),
  XML11: paperMapper({ typeCode: 'XML11', display: 'Giấy chứng nhận nghỉ việc hưởng BHXH', identifier: ['SO_CT', 'clinicalDocument'], author: 'MA_BS', authenticator: 'MA_TTDV', date: 'NGAY_CT' }),
  XML12: paperMapper({ typeCode: 'XML12', display: 'Biên bản giám định y khoa', identifier: ['SO_BIEN_BAN', 'clinicalDocument'], date: 'NGAY_CHUNG_TU' }),
  XML13: mapReferral,
  XML14: mapAppointment,
  XML15: paperMapper({ typeCode: 'XML15', display: 'Thông tin quản lý điều trị bệnh lao' }),
};

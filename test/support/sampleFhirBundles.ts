// Small, valid R4 transaction Bundles shaped like the agent's output (DESIGN §4.6): one
// record = Organization + Patient + Encounter, deterministic ids, PUT entries. Tests of
// the FHIR client and the local store deliver these.
import type { Bundle, BundleEntry, Encounter, Organization, Patient } from '@medplum/fhirtypes';
import { resourceId } from '../../connectors/fhir/ids.js';

export const SAMPLE_SYSTEMS = {
  facility: 'https://fhir.kcb.vn/sid/ma-cskcb',
  cccd: 'https://fhir.kcb.vn/sid/cccd',
  maLk: 'https://fhir.kcb.vn/sid/ma-lk',
} as const;

export interface SampleRecord {
  /** MA_CSKCB, facility code. */
  facility?: string;
  /** MA_LK, the record's key within the facility. */
  maLk?: string;
  /** CCCD, citizen id number. */
  cccd?: string;
  birthDate?: string;
}

export function sampleIds(r: SampleRecord = {}): { organization: string; patient: string; encounter: string } {
  const { facility, maLk, cccd } = withDefaults(r);
  return {
    organization: resourceId('Organization', facility),
    patient: resourceId('Patient', facility, cccd),
    encounter: resourceId('Encounter', facility, maLk),
  };
}

/** A transaction Bundle of three PUT entries for one record. */
export function sampleTransaction(r: SampleRecord = {}): Bundle {
  const { facility, maLk, cccd, birthDate } = withDefaults(r);
  const ids = sampleIds(r);
  const organization: Organization = {
    resourceType: 'Organization',
    id: ids.organization,
    identifier: [{ system: SAMPLE_SYSTEMS.facility, value: facility }],
    name: 'Bệnh viện Đa khoa tỉnh',
  };
  const patient: Patient = {
    resourceType: 'Patient',
    id: ids.patient,
    identifier: [{ system: SAMPLE_SYSTEMS.cccd, value: cccd }],
    name: [{ text: 'Nguyễn Văn An' }],
    gender: 'male',
    birthDate,
    managingOrganization: { reference: `Organization/${ids.organization}` },
  };
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: ids.encounter,
    identifier: [{ system: SAMPLE_SYSTEMS.maLk, value: `${facility}|${maLk}` }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${ids.patient}` },
    serviceProvider: { reference: `Organization/${ids.organization}` },
  };
  return { resourceType: 'Bundle', type: 'transaction', entry: [organization, patient, encounter].map(putEntry) };
}

function putEntry(resource: Organization | Patient | Encounter): BundleEntry {
  return {
    fullUrl: `urn:uuid:${resource.id}`,
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  };
}

function withDefaults(r: SampleRecord): Required<SampleRecord> {
  return {
    facility: r.facility ?? '79001',
    maLk: r.maLk ?? 'LK0001',
    cccd: r.cccd ?? '079090001234',
    birthDate: r.birthDate ?? '1990-05-17',
  };
}

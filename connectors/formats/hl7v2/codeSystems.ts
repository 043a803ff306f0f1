// HL7v2 coding system names (table 0396 and common local spellings) → FHIR system URIs.
// Kept as data; a profile pack can add or override entries in codeMaps['hl7v2.codingSystem'].
import type { ProfilePack } from '../types.js';

const BUILT_IN: Readonly<Record<string, string>> = {
  LN: 'http://loinc.org',
  LOINC: 'http://loinc.org',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  SNOMED: 'http://snomed.info/sct',
  SNOMEDCT: 'http://snomed.info/sct',
  CVX: 'http://hl7.org/fhir/sid/cvx',
  NDC: 'http://hl7.org/fhir/sid/ndc',
  MVX: 'http://terminology.hl7.org/CodeSystem/MVX',
  UCUM: 'http://unitsofmeasure.org',
  NCIT: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
  C4: 'http://www.ama-assn.org/go/cpt',
  CPT: 'http://www.ama-assn.org/go/cpt',
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ATC: 'http://www.whocc.no/atc',
  CDCREC: 'urn:oid:2.16.840.1.113883.6.238',
  CDCPHINVS: 'urn:oid:2.16.840.1.114222.4.5.274',
};

/** Returns a resolver of coding system names for one conversion. */
export function codingSystemResolver(pack: ProfilePack): (name: string) => string | undefined {
  const overrides = pack.codeMaps['hl7v2.codingSystem'] ?? {};
  const icd10 = pack.codeSystems.icd10;
  const icd9 = pack.codeSystems.icd9cm ?? 'http://hl7.org/fhir/sid/icd-9-cm';
  return (raw) => {
    const name = raw.trim();
    const upper = name.toUpperCase();
    if (overrides[name]) return overrides[name];
    if (upper === 'I10' || upper === 'ICD10' || upper === 'ICD-10' || upper === 'I10C') return icd10;
    if (upper === 'I9' || upper === 'I9C' || upper === 'I9CM' || upper === 'I9M' || upper === 'ICD9') return icd9;
    const hl7Table = /^HL7(\d{4})$/.exec(upper);
    if (hl7Table) return `http://terminology.hl7.org/CodeSystem/v2-${hl7Table[1]}`;
    if (/^\d+(\.\d+)+$/.test(name)) return `urn:oid:${name}`;
    return BUILT_IN[upper];
  };
}

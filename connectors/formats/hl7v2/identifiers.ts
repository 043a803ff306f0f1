// PID-3 (CX) → VN Core identifiers. Which system an identifier belongs to is decided by a
// map from assigning authority (CX-4) and identifier type (CX-5) to the meanings of the
// profile pack's identifierSystems (cccd, bhyt, mrn …). Hospitals spell authorities their
// own way, so both maps are data: codeMaps['hl7v2.assigningAuthority'] and
// codeMaps['hl7v2.identifierType'] in the pack extend or override the defaults below.
import type { Identifier } from '@medplum/fhirtypes';
import type { ProfilePack } from '../types.js';
import { compact } from './datatypes.js';
import type { Rep } from './reader.js';

/** Assigning authority (namespace id or universal id, upper case) → identifier meaning. */
export const DEFAULT_ASSIGNING_AUTHORITIES: Readonly<Record<string, string>> = {
  CCCD: 'cccd',
  BCA: 'cccd', // Bộ Công an (Ministry of Public Security) issues the CCCD
  BHYT: 'bhyt',
  BHXH: 'bhyt', // Bảo hiểm xã hội issues the BHYT card
  VSS: 'bhyt',
};

/** Identifier type (HL7 table 0203 or VN codes) → identifier meaning. */
export const DEFAULT_IDENTIFIER_TYPES: Readonly<Record<string, string>> = {
  CCCD: 'cccd',
  NI: 'cccd', // national unique individual identifier
  NNVNM: 'cccd', // national person identifier issued by Viet Nam
  BHYT: 'bhyt',
  HC: 'bhyt', // health card number
  MR: 'mrn',
  PI: 'mrn',
  PT: 'mrn',
  PPN: 'passport',
};

/** Identifier types that live in the VN Core identifier-type code system rather than v2-0203. */
const VN_IDENTIFIER_TYPES = new Set(['CCCD', 'CMND', 'BHYT', 'MA_LK']);

export interface ResolvedIdentifier {
  identifier: Identifier;
  /** Meaning in the pack (cccd, bhyt, mrn …), when one applied. */
  meaning?: string;
}

export class IdentifierResolver {
  private readonly authorities: Record<string, string>;
  private readonly types: Record<string, string>;

  constructor(
    private readonly pack: ProfilePack,
    private readonly facilityCode: string,
  ) {
    this.authorities = { ...DEFAULT_ASSIGNING_AUTHORITIES, ...upperKeys(pack.codeMaps['hl7v2.assigningAuthority']) };
    this.types = { ...DEFAULT_IDENTIFIER_TYPES, ...upperKeys(pack.codeMaps['hl7v2.identifierType']) };
  }

  /** The system URI of a meaning, with `{maCskcb}` filled in for facility-scoped systems. */
  systemOf(meaning: string): string | undefined {
    const uri = /^(https?:|urn:)/.test(meaning) ? meaning : this.pack.identifierSystems[meaning];
    return uri?.replace('{maCskcb}', this.facilityCode);
  }

  /** CX → Identifier; `undefined` for an empty CX. */
  fromCx(r: Rep): ResolvedIdentifier | undefined {
    const value = r.c(1);
    if (!value) return undefined;
    const namespace = r.c(4, 1);
    const universal = r.c(4, 2);
    const universalType = r.c(4, 3);
    const type = r.c(5);
    const meaning =
      this.authorities[namespace.toUpperCase()] ?? this.authorities[universal.toUpperCase()] ?? (type ? this.types[type.toUpperCase()] : undefined);
    let system = meaning ? this.systemOf(meaning) : undefined;
    if (!system && universal && /^(ISO|HCD)$/i.test(universalType) && /^\d+(\.\d+)+$/.test(universal)) system = `urn:oid:${universal}`;
    const typeSystem = VN_IDENTIFIER_TYPES.has(type.toUpperCase()) ? this.pack.codeSystems.identifierType : this.pack.codeSystems.v2IdentifierType;
    const identifier = compact<Identifier>({
      use: meaning === 'mrn' ? 'usual' : meaning ? 'official' : undefined,
      type: type ? { coding: [{ system: typeSystem ?? 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] } : undefined,
      system,
      value,
      assigner: namespace && !system ? { display: namespace } : undefined,
    });
    return { identifier, meaning: system ? meaning : undefined };
  }
}

function upperKeys(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.toUpperCase(), v]));
}

/** Order in which identifiers are trusted as the key of a Patient's id (stable first). */
const KEY_PREFERENCE = ['mrn', 'cccd', 'bhyt', 'passport'];

/**
 * The identifier a Patient's deterministic id is derived from: the facility record number
 * first (the HIS always sends it and never changes it), then the national ones.
 */
export function patientKey(ids: readonly ResolvedIdentifier[]): Identifier | undefined {
  for (const meaning of KEY_PREFERENCE) {
    const hit = ids.find((i) => i.meaning === meaning);
    if (hit) return hit.identifier;
  }
  return ids.find((i) => i.identifier.system)?.identifier ?? ids[0]?.identifier;
}

// CX (PID-3, MRG-1, …) → Identifier. The assigning authority is part of every identifier's
// system, because the same value from two authorities names two different people
// (docs/mapping-hl7v2.md, "Identity"). How an authority becomes a system, in order:
//   1. the authority (CX-4, else CX-6, else the sending facility MSH-4) is in the authority map
//      (defaults below, then codeMaps['hl7v2.assigningAuthority'] of the pack, where the agent
//      also puts the config key hl7v2.assigningAuthorities): a meaning of the pack (cccd, bhyt, mrn …), a meaning
//      scoped to another facility (`mrn@79024` → sid/ma-bn/79024), or an absolute URI;
//   2. the identifier type (CX-5) names a national register (CCCD, BHYT, passport): one
//      namespace whatever the authority;
//   3. the authority is the sending facility itself: the type's meaning for this facility
//      (MR → sid/ma-bn/{MA_CSKCB});
//   4. the authority carries an ISO OID (CX-4.2/4.3): urn:oid:…;
//   5. any other authority: urn:vhr:{MA_CSKCB}:hl7v2:aa:{authority}, a namespace of this
//      facility's HL7 network (warned, so the operator can map it to a VN Core system).
import type { Identifier } from '@medplum/fhirtypes';
import type { ProfilePack } from '../types.js';
import { compact, toDate } from './datatypes.js';
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

/** Meanings that are one national register: the authority spelling does not split them. */
const NATIONAL_MEANINGS = new Set(['cccd', 'bhyt', 'bhxh', 'passport']);

/** Identifier types that live in the VN Core identifier-type code system rather than v2-0203. */
const VN_IDENTIFIER_TYPES = new Set(['CCCD', 'CMND', 'BHYT', 'MA_LK']);

export interface ResolvedIdentifier {
  identifier: Identifier;
  /** Meaning in the pack (cccd, bhyt, mrn …) or by the identifier type, when one applied. */
  meaning?: string;
  /** The authority the system was derived from, when it is a local one not mapped to VN Core. */
  unmappedAuthority?: string;
}

export interface IdentifierOptions {
  /** MSH-4.1: the authority of identifiers that name none. */
  sendingFacility?: string;
}

export class IdentifierResolver {
  private readonly authorities: Record<string, string>;
  private readonly types: Record<string, string>;
  private readonly sendingFacility: string;

  constructor(
    private readonly pack: ProfilePack,
    private readonly facilityCode: string,
    opts: IdentifierOptions = {},
  ) {
    this.authorities = {
      ...DEFAULT_ASSIGNING_AUTHORITIES,
      ...upperKeys(pack.codeMaps['hl7v2.assigningAuthority']),
    };
    this.types = { ...DEFAULT_IDENTIFIER_TYPES, ...upperKeys(pack.codeMaps['hl7v2.identifierType']) };
    this.sendingFacility = (opts.sendingFacility ?? '').toUpperCase();
  }

  /**
   * The system URI of a meaning (`mrn`), of a meaning scoped to a facility (`mrn@79024`), or an
   * absolute URI as given; `{maCskcb}` is filled with this facility's code unless scoped.
   */
  systemOf(meaning: string): string | undefined {
    if (/^(https?:|urn:)/.test(meaning)) return meaning;
    const [name, facility] = meaning.split('@', 2) as [string, string | undefined];
    return this.pack.identifierSystems[name]?.replace('{maCskcb}', facility || this.facilityCode);
  }

  /**
   * CX → Identifier; `undefined` for an empty CX. `fieldMeaning` is what every identifier of
   * the field is, whatever its type says (PV1-19, PV1-50 → maHsba: a visit number is never a
   * patient's record number).
   */
  fromCx(r: Rep, fieldMeaning?: string): ResolvedIdentifier | undefined {
    const value = r.c(1);
    if (!value) return undefined;
    const type = r.c(5);
    // CX-4 (HD: namespace & universal id & its type), else CX-6 (assigning facility), else MSH-4.
    const hd = r.c(4, 1) || r.c(4, 2) ? 4 : r.c(6, 1) || r.c(6, 2) ? 6 : 0;
    const namespace = hd ? r.c(hd, 1) : '';
    const universal = hd ? r.c(hd, 2) : '';
    const universalType = hd ? r.c(hd, 3) : '';
    const authority = namespace || universal || this.sendingFacility;
    const typeMeaning = fieldMeaning ?? (type ? this.types[type.toUpperCase()] : undefined);
    const mapped = this.authorities[namespace.toUpperCase()] ?? this.authorities[universal.toUpperCase()] ?? (hd ? undefined : this.authorities[this.sendingFacility]);
    let system: string | undefined;
    let meaning: string | undefined;
    let unmappedAuthority: string | undefined;
    if (mapped) {
      system = this.systemOf(mapped);
      meaning = mapped.split('@')[0];
    } else if (typeMeaning && NATIONAL_MEANINGS.has(typeMeaning)) {
      system = this.systemOf(typeMeaning);
      meaning = typeMeaning;
    } else if (!authority || authority.toUpperCase() === this.sendingFacility) {
      system = typeMeaning ? this.systemOf(typeMeaning) : undefined;
      meaning = typeMeaning;
    } else if (universal && /^(ISO|HCD)$/i.test(universalType) && /^\d+(\.\d+)+$/.test(universal)) {
      system = `urn:oid:${universal}`;
      meaning = typeMeaning;
    } else {
      system = `urn:vhr:${this.facilityCode}:hl7v2:aa:${encodeURIComponent(authority)}`;
      meaning = typeMeaning;
      unmappedAuthority = authority;
    }
    const typeSystem = VN_IDENTIFIER_TYPES.has(type.toUpperCase()) ? this.pack.codeSystems.identifierType : this.pack.codeSystems.v2IdentifierType;
    const identifier = compact<Identifier>({
      use: meaning === 'mrn' ? 'usual' : meaning && NATIONAL_MEANINGS.has(meaning) ? 'official' : undefined,
      type: type ? { coding: [{ system: typeSystem ?? 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] } : undefined,
      system,
      value,
      period: compact({ start: r.c(7) ? toDate(r.c(7)) : undefined, end: r.c(8) ? toDate(r.c(8)) : undefined }),
      assigner: namespace ? { display: namespace } : undefined,
    });
    return { identifier, meaning: system ? meaning : undefined, unmappedAuthority };
  }
}

function upperKeys(map: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.toUpperCase(), v]));
}

/** Order in which identifiers are trusted as the key of a Patient's id (stable first). */
const KEY_PREFERENCE = ['mrn', 'cccd', 'bhyt', 'passport'];

/**
 * The identifier a Patient's deterministic id is derived from: the facility record number
 * first (the HIS always sends it and never changes it), then the national ones. The id hashes
 * system and value, and the system carries the authority: same value, other authority, other id.
 */
export function patientKey(ids: readonly ResolvedIdentifier[]): Identifier | undefined {
  for (const meaning of KEY_PREFERENCE) {
    const hit = ids.find((i) => i.meaning === meaning);
    if (hit) return hit.identifier;
  }
  return ids.find((i) => i.identifier.system)?.identifier ?? ids[0]?.identifier;
}

// What every table mapper shares while one HOSO is converted: the profile pack (read
// through accessors that refuse a missing entry), the record's keys, deterministic ids
// and references, and the warning / normalisation sinks.
import type { CodeableConcept, Coding, Extension, Identifier, Meta, Period, Reference, Resource } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import type { ProfilePack, RecordWarning } from '../../types.js';
import type { Normalisation } from '../envelope/innerXml.js';

export const Xml130WarningCode = {
  invalidValue: 'XML130_INVALID_VALUE',
  missingValue: 'XML130_MISSING_VALUE',
  unknownCode: 'XML130_UNKNOWN_CODE',
  inconsistent: 'XML130_INCONSISTENT',
  tableUnreadable: 'XML130_TABLE_UNREADABLE',
  entityEscaped: 'XML130_ENTITY_ESCAPED',
  otherRecord: 'XML130_OTHER_MA_LK',
} as const;
export type Xml130WarningCode = (typeof Xml130WarningCode)[keyof typeof Xml130WarningCode];

/** Raised when the active profile pack lacks an entry the mapping needs. */
export class PackEntryMissing extends Error {
  constructor(readonly section: string, readonly key: string) {
    super(`the profile pack has no ${section}.${key}`);
    this.name = 'PackEntryMissing';
  }
}

/** Read access to a profile pack; every URI the converter writes comes through here. */
export class PackView {
  /** Identifier systems by key and issuer, as system() built them for this record. */
  private readonly systems = new Map<string, string>();

  constructor(
    readonly pack: ProfilePack,
    private readonly maCskcb: string,
  ) {}

  private take(section: 'identifierSystems' | 'profiles' | 'extensions' | 'codeSystems', key: string): string {
    const v = this.pack[section][key];
    if (v === undefined) throw new PackEntryMissing(section, key);
    return v;
  }

  /**
   * Identifier system; `{maCskcb}` in a facility-scoped system is replaced by the facility
   * code: this record's, or `issuer` for a number another facility issued.
   */
  system(key: string, issuer: string = this.maCskcb): string {
    // Asked for once per identifier and reference: a record asks the same few many times.
    const memoKey = `${key}\u0000${issuer}`;
    let system = this.systems.get(memoKey);
    if (system === undefined) {
      system = this.take('identifierSystems', key).replaceAll('{maCskcb}', encodeURIComponent(issuer));
      this.systems.set(memoKey, system);
    }
    return system;
  }
  meta(key: string): Meta {
    return { profile: [this.take('profiles', key)] };
  }
  ext(key: string): string {
    return this.take('extensions', key);
  }
  cs(key: string): string {
    return this.take('codeSystems', key);
  }
  /** A code map entry (e.g. `GIOI_TINH` 1 → male), or undefined when the map or the code is absent. */
  mapCode(map: string, code: string): string | undefined {
    return this.pack.codeMaps[map]?.[code];
  }
  coding(csKey: string, code: string, display?: string): Coding {
    return display ? { system: this.cs(csKey), code, display } : { system: this.cs(csKey), code };
  }
  concept(csKey: string, code: string, display?: string, text?: string): CodeableConcept {
    const cc: CodeableConcept = { coding: [this.coding(csKey, code, display)] };
    if (text) cc.text = text;
    return cc;
  }
  identifier(systemKey: string, value: string, typeCode?: { csKey: string; code: string }, issuer?: string): Identifier {
    const id: Identifier = { system: this.system(systemKey, issuer), value };
    if (typeCode) id.type = { coding: [{ system: this.cs(typeCode.csKey), code: typeCode.code }] };
    return id;
  }
  codeExtension(extKey: string, csKey: string, code: string, display?: string): Extension {
    return { url: this.ext(extKey), valueCodeableConcept: this.concept(csKey, code, display) };
  }
}

export interface RecordKeys {
  /** MA_CSKCB: the treating facility. */
  maCskcb: string;
  /** MA_LK: the episode key that links all tables of one HOSO. */
  maLk: string;
}

/** Everything a table mapper needs for one record. */
export class MapContext {
  readonly warnings: RecordWarning[] = [];
  readonly normalisations: Normalisation[] = [];
  /** NGAY_VAO–NGAY_RA as sent on the Encounter, once it is built: other resources reuse it. */
  encounterPeriod: Period | undefined;

  constructor(
    readonly pack: PackView,
    readonly keys: RecordKeys,
    /** Patient id, decided once from MA_BN / CCCD (see patient.ts). */
    readonly patientId: string,
  ) {
    this.encounterId = resourceId('Encounter', keys.maCskcb, keys.maLk);
    this.facilityId = organizationId(keys.maCskcb);
  }

  /** Records a warning once: a field read by two mappings (an order time, say) is reported once. */
  warn(code: Xml130WarningCode, field: string, message: string): void {
    if (this.warnings.some((w) => w.code === code && w.field === field && w.message === message)) return;
    this.warnings.push({ code, field, message });
  }
  normalise(n: Normalisation): void {
    if (this.normalisations.some((m) => m.field === n.field && m.rule === n.rule)) return;
    this.normalisations.push(n);
  }

  /** Deterministic id of a resource of this record: type + facility + MA_LK + parts. */
  recordResourceId(type: string, ...parts: string[]): string {
    return resourceId(type, this.keys.maCskcb, this.keys.maLk, ...parts);
  }
  /** The Encounter's id: MA_CSKCB|MA_LK (computed once: every resource of the record points at it). */
  readonly encounterId: string;
  /** The treating facility's Organization id. */
  readonly facilityId: string;
  patientRef<T extends Resource>(): Reference<T> {
    return ref<T>(this.patientId);
  }
  encounterRef<T extends Resource>(): Reference<T> {
    return ref<T>(this.encounterId);
  }
  facilityRef<T extends Resource>(): Reference<T> {
    return ref<T>(this.facilityId);
  }
  /** A facility other than this record's (MA_DKBD, MA_NOI_DI …): referenced by its MA_CSKCB, not sent as a resource. */
  otherFacilityRef<T extends Resource>(code: string): Reference<T> {
    return { type: 'Organization', identifier: { system: this.pack.system('maCskcb'), value: code } };
  }
}

/**
 * MA_BAC_SI, NGUOI_THUC_HIEN, MA_TTDV …: a practising licence (`000286/LA-GPHN`, legacy
 * `438249/ST-CCHN`) or a 10-digit social-insurance code. The practitioner is referenced by
 * that identifier; the agent does not own Practitioner records.
 */
export function practitionerRef<T extends Resource>(pack: PackView, code: string): Reference<T> {
  const upper = code.toUpperCase();
  const systemKey = upper.includes('GPHN') ? 'gphn' : upper.includes('CCHN') ? 'cchn' : /^\d{10}$/.test(code) ? 'bhxh' : undefined;
  if (!systemKey) return { type: 'Practitioner', display: code };
  return { type: 'Practitioner', identifier: { system: pack.system(systemKey), value: code } };
}

export function organizationId(maCskcb: string): string {
  return resourceId('Organization', maCskcb);
}

/** Entries are addressed by `urn:uuid:<id>`, and the resource's id is the same UUID. */
export function ref<T extends Resource>(id: string, display?: string): Reference<T> {
  return display ? { reference: `urn:uuid:${id}`, display } : { reference: `urn:uuid:${id}` };
}

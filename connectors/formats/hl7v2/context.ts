// State of one HL7v2 → FHIR conversion: the reader, the resources made so far (as PUT
// entries with deterministic ids, DESIGN §4.6), warnings, and the helpers every segment
// mapping needs. Pure: nothing here reads a clock or does I/O.
import type { Bundle, BundleEntry, CodeableConcept, Resource } from '@medplum/fhirtypes';
import { resourceId } from '../../fhir/ids.js';
import type { ConvertContext, RecordWarning } from '../types.js';
import { codingSystemResolver } from './codeSystems.js';
import { compact, toCodeableConcept, toDateTime, toInstant, type Ref } from './datatypes.js';
import { IdentifierResolver } from './identifiers.js';
import type { Hl7Header } from './parse.js';
import type { MessageReader, Rep } from './reader.js';

export class Conversion {
  readonly warnings: RecordWarning[] = [];
  readonly ids: IdentifierResolver;
  private readonly entries = new Map<string, Resource>();
  private readonly systemOf: (name: string) => string | undefined;
  private readonly unknownSystems = new Set<string>();
  /** Set by the PID mapping; most resources point at it. */
  patient?: Ref;
  /** Set by the PV1 mapping when the message has a visit. */
  encounter?: Ref;

  constructor(
    readonly reader: MessageReader,
    readonly header: Hl7Header,
    readonly ctx: ConvertContext,
  ) {
    this.ids = new IdentifierResolver(ctx.profilePack, ctx.facilityCode, { sendingFacility: reader.first('MSH')?.get(4) });
    this.systemOf = codingSystemResolver(ctx.profilePack);
  }

  get facility(): string {
    return this.ctx.facilityCode;
  }

  /** Deterministic id within this facility: `id('Encounter', 'visit', '123')`. */
  id(type: string, ...key: readonly string[]): string {
    return resourceId(type, this.facility, ...key);
  }

  warn(code: string, field: string, message: string): void {
    this.warnings.push({ code, field, message });
  }

  /** A warning given once per message for the same text (e.g. one per unmapped authority). */
  warnOnce(code: string, field: string, message: string): void {
    if (!this.warnings.some((w) => w.code === code && w.message === message)) this.warn(code, field, message);
  }

  /** Adds (or, for the same id, replaces) a resource; meta.profile comes from the pack. */
  /** `profileKey` null: the resource claims no VN Core profile (e.g. a non-BHYT Coverage). */
  add<T extends Resource>(resource: T, profileKey: string | null = resource.resourceType): Ref {
    const profiles = this.ctx.profilePack.profiles;
    const profile = profileKey === null ? undefined : (profiles[profileKey] ?? profiles[resource.resourceType]);
    const withMeta = compact({ ...resource, meta: profile ? { profile: [profile] } : undefined }) as T;
    this.entries.set(`${resource.resourceType}/${resource.id}`, withMeta);
    return { reference: `${resource.resourceType}/${resource.id}` };
  }

  get<T extends Resource>(ref: Ref): T | undefined {
    return ref.reference ? (this.entries.get(ref.reference) as T | undefined) : undefined;
  }

  concept(r: Rep, field: string): CodeableConcept | undefined {
    return toCodeableConcept(r, this.systemOf, (name) => {
      if (this.unknownSystems.has(name)) return;
      this.unknownSystems.add(name);
      this.warn('HL7V2_UNKNOWN_CODING_SYSTEM', field, `coding system "${name}" has no known FHIR URI; the code is kept without a system`);
    });
  }

  /** A code from an HL7 table as a CodeableConcept in that table's FHIR code system. */
  tableConcept(code: string, table: string, display?: string): CodeableConcept | undefined {
    if (!code) return undefined;
    return { coding: [compact({ system: `http://terminology.hl7.org/CodeSystem/v2-${table}`, code, display })] };
  }

  dateTime(value: string, field: string): string | undefined {
    if (!value) return undefined;
    const out = toDateTime(value);
    if (!out) this.warn('HL7V2_BAD_TIMESTAMP', field, `"${value}" is not an HL7 timestamp; left out`);
    return out;
  }

  instant(value: string, field: string): string | undefined {
    if (!value) return undefined;
    const out = toInstant(value);
    if (!out && !toDateTime(value)) this.warn('HL7V2_BAD_TIMESTAMP', field, `"${value}" is not an HL7 timestamp; left out`);
    return out;
  }

  bundle(): Bundle {
    const entry: BundleEntry[] = [...this.entries.values()].map((resource) => ({
      fullUrl: `urn:uuid:${resource.id}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    }));
    const profile = this.ctx.profilePack.profiles.Bundle;
    return compact<Bundle>({
      resourceType: 'Bundle',
      id: this.id('Bundle', 'hl7v2', this.header.controlId),
      meta: profile ? { profile: [profile] } : undefined,
      identifier: { system: `urn:vhr:${this.facility}:hl7v2:msh-10`, value: this.header.controlId },
      type: 'transaction',
      entry,
    });
  }
}

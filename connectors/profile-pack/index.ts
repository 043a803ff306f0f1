// Profile packs (DESIGN §6): VN Core identifier systems, profile canonicals, extension
// URLs, code systems and code maps kept as data, so the ministry can push another pack
// without a new release. The default pack follows standards/VNCORE.md.
import { readFileSync } from 'node:fs';
import type { ProfilePack } from '../formats/types.js';
import defaultPackData from './vncore-default.json' with { type: 'json' };

/**
 * Keys every pack must define because the claim-XML converter uses them; a pushed pack
 * that lacks one is refused at load time rather than producing half-profiled bundles.
 */
export const REQUIRED_PACK_KEYS = {
  identifierSystems: ['cccd', 'bhyt', 'maCskcb', 'maLk', 'mrn'],
  profiles: ['Bundle', 'Patient', 'Organization', 'Encounter', 'Condition.diagnosis', 'Coverage'],
  extensions: ['ethnicity', 'occupation', 'nationality', 'province', 'ward', 'treatmentOutcome'],
  codeSystems: ['icd10', 'encounterType', 'treatmentOutcome', 'dischargeDisposition', 'actCode'],
} as const satisfies Partial<Record<keyof ProfilePack, readonly string[]>>;

export class ProfilePackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfilePackError';
  }
}

const SECTIONS = ['identifierSystems', 'profiles', 'extensions', 'codeSystems'] as const;

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Checks the shape of a pack document and returns it typed; throws ProfilePackError naming the bad path. */
export function parseProfilePack(doc: unknown, origin = 'profile pack'): ProfilePack {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ProfilePackError(`${origin}: not a JSON object`);
  const d = doc as Record<string, unknown>;
  for (const key of ['id', 'version', 'canonicalBase'] as const) {
    if (typeof d[key] !== 'string' || d[key] === '') throw new ProfilePackError(`${origin}: "${key}" must be a non-empty string`);
  }
  for (const section of SECTIONS) {
    if (!isStringRecord(d[section])) throw new ProfilePackError(`${origin}: "${section}" must be an object of strings`);
    for (const [name, uri] of Object.entries(d[section])) {
      if (!/^(https?:\/\/|urn:)\S+$/.test(uri)) throw new ProfilePackError(`${origin}: ${section}.${name} is not a URI: ${JSON.stringify(uri)}`);
    }
    const required: readonly string[] = REQUIRED_PACK_KEYS[section];
    const missing = required.filter((k) => !(k in (d[section] as Record<string, string>)));
    if (missing.length) throw new ProfilePackError(`${origin}: ${section} lacks ${missing.join(', ')}`);
  }
  const codeMaps = d.codeMaps ?? {};
  if (typeof codeMaps !== 'object' || codeMaps === null || Array.isArray(codeMaps) || !Object.values(codeMaps).every(isStringRecord)) {
    throw new ProfilePackError(`${origin}: "codeMaps" must map names to objects of strings`);
  }
  return {
    id: d.id as string,
    version: d.version as string,
    canonicalBase: d.canonicalBase as string,
    identifierSystems: { ...(d.identifierSystems as Record<string, string>) },
    profiles: { ...(d.profiles as Record<string, string>) },
    extensions: { ...(d.extensions as Record<string, string>) },
    codeSystems: { ...(d.codeSystems as Record<string, string>) },
    codeMaps: Object.fromEntries(Object.entries(codeMaps as Record<string, Record<string, string>>).map(([k, v]) => [k, { ...v }])),
  };
}

let cachedDefault: ProfilePack | undefined;

/** The VN Core pack shipped with the agent (connectors/profile-pack/vncore-default.json). */
export function defaultProfilePack(): ProfilePack {
  cachedDefault ??= parseProfilePack(defaultPackData, 'vncore-default.json');
  // A fresh copy each time: callers may not mutate the shared default.
  return parseProfilePack(cachedDefault, 'vncore-default.json');
}

/** Loads a pack from a JSON file (for example one pushed by the ministry); without a path, the default pack. */
export function loadProfilePack(path?: string): ProfilePack {
  if (path === undefined) return defaultProfilePack();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfilePackError(`${path}: cannot read the profile pack (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ProfilePackError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseProfilePack(doc, path);
}

/**
 * The pack with a facility's own HL7v2 assigning authorities (config key
 * `hl7v2.assigningAuthorities`) laid over codeMaps['hl7v2.assigningAuthority']: the
 * facility knows its HIS's spellings better than the pack does (docs/mapping-hl7v2.md).
 */
export function withAssigningAuthorities(pack: ProfilePack, authorities: Readonly<Record<string, string>> | undefined): ProfilePack {
  if (!authorities || Object.keys(authorities).length === 0) return pack;
  const key = 'hl7v2.assigningAuthority';
  return { ...pack, codeMaps: { ...pack.codeMaps, [key]: { ...pack.codeMaps[key], ...authorities } } };
}

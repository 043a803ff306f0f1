// The schema of a ministry config document (docs/managed-config.md §3): a partial agent
// configuration — only the keys the ministry manages — plus version, facilities,
// minAgentVersion, reconvertPending and per-facility overrides. Checked after the signature
// and before anything changes; every problem names its key, in plain words.
import type { AgentConfig, DestinationConfig, RetryConfig } from '../schema.js';
import { parseSecretReference } from '../secrets.js';
import { isVersion } from './versions.js';

/**
 * A destination to change (by id) or add. Values are checked here for shape and once more by
 * the configuration schema after merging; secrets may only be references (env:, file:, keychain:).
 */
export type ManagedDestination = { id: string } & Partial<Omit<DestinationConfig, 'id'>>;

/** Changes to the profile pack in force: keys set here replace the same keys, the rest stays. */
export interface ProfilePackOverlay {
  id?: string;
  version?: string;
  canonicalBase?: string;
  identifierSystems?: Record<string, string>;
  profiles?: Record<string, string>;
  extensions?: Record<string, string>;
  codeSystems?: Record<string, string>;
  /** Local code → national code, by map name (e.g. MA_KHOA). */
  codeMaps?: Record<string, Record<string, string>>;
}

/** What the ministry may set, for all facilities or for one (overrides). */
export interface ManagedSettings {
  destinations?: ManagedDestination[];
  retry?: Partial<RetryConfig>;
  logging?: { level?: 'error' | 'warn' | 'info' | 'debug'; retainDays?: number };
  retention?: Partial<AgentConfig['retention']>;
  profilePack?: ProfilePackOverlay;
  /** electron-updater generic-provider feed: `<url>/<channel>[-linux|-mac].yml`. */
  updates?: { url: string; channel?: string };
}

export interface ManagedDocument extends ManagedSettings {
  /** Strictly increasing across every document the ministry issues. */
  version: number;
  /** MA_CSKCB codes this document is for; absent = every facility. */
  facilities?: string[];
  /** The document needs at least this agent release; older agents refuse it. */
  minAgentVersion?: string;
  /** After applying, records converted but delivered nowhere yet are converted again. */
  reconvertPending?: boolean;
  issuedAt?: string;
  /** Free text shown in the audit log and the UI (why this change). */
  note?: string;
  /** Settings for single facilities, keyed by MA_CSKCB, applied over the common ones. */
  overrides?: Record<string, ManagedSettings>;
}

export class ManagedDocumentError extends Error {
  constructor(readonly problems: string[]) {
    super(`the document is not a valid managed configuration: ${problems.join('; ')}`);
    this.name = 'ManagedDocumentError';
  }
}

/** Keys of the local config file that stay with each facility's operator. */
export const LOCAL_ONLY_KEYS = ['facility', 'dataDir', 'sources', 'statusApi', 'managed'] as const;
const SETTING_KEYS = ['destinations', 'retry', 'logging', 'retention', 'profilePack', 'updates'] as const;
const DOCUMENT_KEYS = ['version', 'facilities', 'minAgentVersion', 'reconvertPending', 'issuedAt', 'note', 'overrides', ...SETTING_KEYS] as const;
const DESTINATION_KEYS = ['id', 'type', 'baseUrl', 'mode', 'operationMode', 'auth', 'tls', 'timeoutMs', 'concurrency', 'maxBatch'] as const;
const RETRY_KEYS = ['baseDelayMs', 'maxDelayMs', 'factor', 'jitter'] as const;
const RETENTION_KEYS = ['deliveredPayloadDays', 'maxPayloadMiB'] as const;
/** Settings that hold a secret: in a document (sent and stored in clear) only a reference is allowed. */
const SECRET_FIELDS = { auth: ['token', 'clientSecret'], tls: ['keyPassphrase'] } as const;
const PACK_SECTIONS = ['identifierSystems', 'profiles', 'extensions', 'codeSystems'] as const;
const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed document; returns it typed or throws ManagedDocumentError listing every problem. */
export function parseManagedDocument(input: unknown): ManagedDocument {
  const problems: string[] = [];
  if (!isObj(input)) throw new ManagedDocumentError(['the document must be a JSON object']);

  const version = input.version;
  if (version === undefined) problems.push('version: is required (an integer, larger than every earlier document)');
  else if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) problems.push(`version: must be a whole number ≥ 1, got ${JSON.stringify(version)}`);

  for (const key of Object.keys(input)) {
    if ((LOCAL_ONLY_KEYS as readonly string[]).includes(key)) problems.push(`${key}: is a local setting of each facility; a ministry document cannot set it`);
    else if (!(DOCUMENT_KEYS as readonly string[]).includes(key)) problems.push(`${key}: unknown key (a document may set ${DOCUMENT_KEYS.join(', ')})`);
  }

  if (input.facilities !== undefined) {
    if (!Array.isArray(input.facilities) || input.facilities.length === 0) problems.push('facilities: must be a non-empty list of MA_CSKCB codes (leave it out to address every facility)');
    else
      input.facilities.forEach((c, i) => {
        if (typeof c !== 'string' || !FACILITY_CODE.test(c)) problems.push(`facilities[${i}]: must be a 5-character MA_CSKCB, got ${JSON.stringify(c)}`);
      });
  }
  if (input.minAgentVersion !== undefined && (typeof input.minAgentVersion !== 'string' || !isVersion(input.minAgentVersion))) {
    problems.push(`minAgentVersion: must be a release version such as "1.4.0", got ${JSON.stringify(input.minAgentVersion)}`);
  }
  if (input.reconvertPending !== undefined && typeof input.reconvertPending !== 'boolean') problems.push('reconvertPending: must be true or false');
  if (input.issuedAt !== undefined && (typeof input.issuedAt !== 'string' || Number.isNaN(Date.parse(input.issuedAt)))) problems.push('issuedAt: must be a date-time such as "2026-03-01T08:00:00+07:00"');
  if (input.note !== undefined && (typeof input.note !== 'string' || input.note.length > 2000)) problems.push('note: must be text of at most 2000 characters');

  checkSettings(input, '', problems);
  if (input.overrides !== undefined) {
    if (!isObj(input.overrides)) problems.push('overrides: must map MA_CSKCB codes to settings');
    else
      for (const [code, settings] of Object.entries(input.overrides)) {
        const p = `overrides.${code}`;
        if (!FACILITY_CODE.test(code)) problems.push(`${p}: the key must be a 5-character MA_CSKCB`);
        if (!isObj(settings)) {
          problems.push(`${p}: must be a mapping of settings`);
          continue;
        }
        for (const key of Object.keys(settings)) {
          if (!(SETTING_KEYS as readonly string[]).includes(key)) problems.push(`${p}.${key}: a facility override may set only ${SETTING_KEYS.join(', ')}`);
        }
        checkSettings(settings, `${p}.`, problems);
      }
  }
  if (problems.length) throw new ManagedDocumentError(problems);
  return input as unknown as ManagedDocument;
}

function checkSettings(s: Obj, prefix: string, problems: string[]): void {
  if (s.destinations !== undefined) checkDestinations(s.destinations, `${prefix}destinations`, problems);
  checkNumbers(s.retry, `${prefix}retry`, RETRY_KEYS, problems);
  checkNumbers(s.retention, `${prefix}retention`, RETENTION_KEYS, problems);
  if (s.logging !== undefined) {
    const p = `${prefix}logging`;
    if (!isObj(s.logging)) problems.push(`${p}: must be a mapping of keys`);
    else
      for (const [k, v] of Object.entries(s.logging)) {
        if (k === 'level') {
          if (!['error', 'warn', 'info', 'debug'].includes(v as string)) problems.push(`${p}.level: must be one of error, warn, info, debug`);
        } else if (k === 'retainDays') {
          if (typeof v !== 'number' || !Number.isSafeInteger(v)) problems.push(`${p}.retainDays: must be a whole number of days`);
        } else problems.push(`${p}.${k}: unknown key (known: level, retainDays)`);
      }
  }
  if (s.profilePack !== undefined) checkPackOverlay(s.profilePack, `${prefix}profilePack`, problems);
  if (s.updates !== undefined) {
    const p = `${prefix}updates`;
    if (!isObj(s.updates)) problems.push(`${p}: must be a mapping with url (and channel)`);
    else {
      if (!isHttpUrl(s.updates.url)) problems.push(`${p}.url: must be an https:// (or http://) URL of the update feed`);
      if (s.updates.channel !== undefined && (typeof s.updates.channel !== 'string' || !/^[a-z0-9-]{1,32}$/.test(s.updates.channel))) {
        problems.push(`${p}.channel: must be a channel name such as "latest" or "beta"`);
      }
      for (const k of Object.keys(s.updates)) if (k !== 'url' && k !== 'channel') problems.push(`${p}.${k}: unknown key (known: url, channel)`);
    }
  }
}

/** A section of plain numbers (ranges are checked by the configuration schema after merging). */
function checkNumbers(v: unknown, p: string, keys: readonly string[], problems: string[]): void {
  if (v === undefined) return;
  if (!isObj(v)) return void problems.push(`${p}: must be a mapping of keys`);
  for (const [k, x] of Object.entries(v)) {
    if (!keys.includes(k)) problems.push(`${p}.${k}: unknown key (known: ${keys.join(', ')})`);
    else if (typeof x !== 'number' || !Number.isFinite(x)) problems.push(`${p}.${k}: must be a number`);
  }
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function checkDestinations(v: unknown, p: string, problems: string[]): void {
  if (!Array.isArray(v)) return void problems.push(`${p}: must be a list`);
  const seen = new Set<string>();
  v.forEach((d, i) => {
    const dp = `${p}[${i}]`;
    if (!isObj(d)) return void problems.push(`${dp}: must be a mapping of keys`);
    if (typeof d.id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(d.id)) problems.push(`${dp}.id: is required: the id of the destination to change or add (letters, digits, '-', '_', '.')`);
    else if (seen.has(d.id)) problems.push(`${dp}.id: "${d.id}" is listed twice`);
    else seen.add(d.id);
    for (const k of Object.keys(d)) if (!(DESTINATION_KEYS as readonly string[]).includes(k)) problems.push(`${dp}.${k}: unknown key (known: ${DESTINATION_KEYS.join(', ')})`);
    if (d.type !== undefined && d.type !== 'fhir') problems.push(`${dp}.type: must be fhir`);
    if (d.baseUrl !== undefined && !isHttpUrl(d.baseUrl)) problems.push(`${dp}.baseUrl: must be an https:// (or http://) URL, got ${JSON.stringify(d.baseUrl)}`);
    for (const k of ['timeoutMs', 'concurrency', 'maxBatch'] as const) {
      if (d[k] !== undefined && (typeof d[k] !== 'number' || !Number.isFinite(d[k]))) problems.push(`${dp}.${k}: must be a number`);
    }
    if (d.auth !== undefined && (!isObj(d.auth) || typeof d.auth.type !== 'string')) problems.push(`${dp}.auth: must be a mapping with a type`);
    if (d.tls !== undefined && !isObj(d.tls)) problems.push(`${dp}.tls: must be a mapping of keys`);
    for (const [section, fields] of Object.entries(SECRET_FIELDS)) {
      const o = d[section];
      if (!isObj(o)) continue;
      for (const f of fields) {
        if (o[f] === undefined) continue;
        // Documents travel and are stored in clear: they may name a secret, never hold one.
        if (typeof o[f] !== 'string' || !parseSecretReference(o[f]).ok) {
          problems.push(`${dp}.${section}.${f}: must be a reference such as env:PROVINCE_TOKEN (or file:PATH, keychain:SERVICE/ACCOUNT), never the secret itself`);
        }
      }
    }
  });
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isObj(v) && Object.values(v).every((x) => typeof x === 'string');
}

function checkPackOverlay(v: unknown, p: string, problems: string[]): void {
  if (!isObj(v)) return void problems.push(`${p}: must be a mapping (the pack keys to change)`);
  for (const [k, val] of Object.entries(v)) {
    if (k === 'id' || k === 'version' || k === 'canonicalBase') {
      if (typeof val !== 'string' || val === '') problems.push(`${p}.${k}: must be non-empty text`);
    } else if ((PACK_SECTIONS as readonly string[]).includes(k)) {
      if (!isStringMap(val)) problems.push(`${p}.${k}: must map names to URIs (text)`);
    } else if (k === 'codeMaps') {
      if (!isObj(val)) problems.push(`${p}.codeMaps: must map map names to { local code: national code }`);
      else for (const [name, m] of Object.entries(val)) if (!isStringMap(m)) problems.push(`${p}.codeMaps.${name}: must map local codes to national codes (text)`);
    } else problems.push(`${p}.${k}: unknown key (known: id, version, canonicalBase, ${PACK_SECTIONS.join(', ')}, codeMaps)`);
  }
}

// The schema of a ministry config document (docs/managed-config.md §3): a partial agent
// configuration — the keys marked x-managed in the configuration schema (definition.ts), every
// key optional — plus version, facilities, minAgentVersion, reconvertPending, the profile pack
// overlay, the update feed and per-facility overrides. Checked after the signature and before
// anything changes; every problem names its key, in plain words.
import { Type } from '@sinclair/typebox';
import { CONFIG_SCHEMA, eachAnnotated, LOCAL_KEYS, MANAGED_KEYS, partialSchema, type PathSegment, type SchemaNode } from '../annotations.js';
import { compileSchema, problemsOf, problemText, sortProblems, type Problem } from '../problems.js';
import type { AgentConfig, DestinationConfig, RetryConfig } from '../schema.js';
import { looksLikeSecretReference, parseSecretReference } from '../secrets.js';
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


const FACILITY_CODE = '^[0-9A-Za-z]{5}$';
const MA_CSKCB = Type.String({ pattern: FACILITY_CODE, 'x-invalid': 'must be a 5-character MA_CSKCB' });
const nameToText = (invalid: string) => Type.Record(Type.String(), Type.String(), { 'x-invalid': invalid });

/** Settings only a document has: the profile pack it changes and the update feed. */
const DOCUMENT_SETTINGS = {
  profilePack: Type.Object(
    {
      id: Type.Optional(Type.String({ minLength: 1, 'x-invalid': 'must be non-empty text' })),
      version: Type.Optional(Type.String({ minLength: 1, 'x-invalid': 'must be non-empty text' })),
      canonicalBase: Type.Optional(Type.String({ minLength: 1, 'x-invalid': 'must be non-empty text' })),
      identifierSystems: Type.Optional(nameToText('must map names to URIs (text)')),
      profiles: Type.Optional(nameToText('must map names to URIs (text)')),
      extensions: Type.Optional(nameToText('must map names to URIs (text)')),
      codeSystems: Type.Optional(nameToText('must map names to URIs (text)')),
      codeMaps: Type.Optional(
        Type.Record(Type.String(), nameToText('must map local codes to national codes (text)'), {
          'x-invalid': 'must map map names to { local code: national code }',
        }),
      ),
    },
    { additionalProperties: false, description: 'Changes to the profile pack in force.' },
  ),
  updates: Type.Object(
    {
      // https only: the feed decides what is offered (installing still needs the artifact's
      // signature). Plain http is accepted only on this machine's loopback (a local mirror).
      url: Type.String({ pattern: '^(https://|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?/)', 'x-invalid': 'must be an https:// URL of the update feed' }),
      channel: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$', 'x-invalid': 'must be a channel name such as "latest" or "beta"' })),
    },
    { additionalProperties: false, description: 'electron-updater generic-provider feed.' },
  ),
};

/** What a document (or one facility's override) may set: the managed keys, every key optional. */
const SETTINGS_PROPERTIES: Record<string, SchemaNode> = {
  ...Object.fromEntries(MANAGED_KEYS.map((k) => [k, partialSchema(CONFIG_SCHEMA.properties![k]!)])),
  ...(DOCUMENT_SETTINGS as unknown as Record<string, SchemaNode>),
};
export const SETTING_KEYS: readonly string[] = Object.keys(SETTINGS_PROPERTIES);
/** Keys of the local config file that stay with each facility's operator. */
export const LOCAL_ONLY_KEYS: readonly string[] = LOCAL_KEYS.filter((k) => !SETTING_KEYS.includes(k));

const DOCUMENT_SCHEMA: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: {
      type: 'integer',
      minimum: 1,
      'x-invalid': 'must be a whole number ≥ 1',
      'x-fix': 'an integer, larger than every earlier document',
    },
    facilities: {
      type: 'array',
      minItems: 1,
      items: MA_CSKCB,
      'x-invalid': 'must be a non-empty list of MA_CSKCB codes (leave it out to address every facility)',
    },
    minAgentVersion: { type: 'string', 'x-invalid': 'must be a release version such as "1.4.0"' },
    reconvertPending: { type: 'boolean' },
    issuedAt: { type: 'string', 'x-invalid': 'must be a date-time such as "2026-03-01T08:00:00+07:00"' },
    note: { type: 'string', maxLength: 2000, 'x-invalid': 'must be text of at most 2000 characters' },
    ...SETTINGS_PROPERTIES,
    overrides: {
      type: 'object',
      'x-invalid': 'must map MA_CSKCB codes to settings',
      additionalProperties: { type: 'object', additionalProperties: false, properties: SETTINGS_PROPERTIES },
    },
  },
};
const validateDocument = compileSchema(DOCUMENT_SCHEMA, { coerceTypes: false });
const ID_PATTERN = new RegExp(FACILITY_CODE);

/** Checks a parsed document; returns it typed or throws ManagedDocumentError listing every problem. */
export function parseManagedDocument(input: unknown): ManagedDocument {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ManagedDocumentError(['the document must be a JSON object']);
  // The signed document stays as issued: checks run on a copy.
  const doc = structuredClone(input) as Record<string, unknown>;
  validateDocument(doc);
  const problems: Problem[] = problemsOf(validateDocument.errors, (key, parent) => (parent.length === 0 || (parent.length === 2 && parent[0] === 'overrides')) && LOCAL_ONLY_KEYS.includes(key));
  const add = (path: PathSegment[], message: string) => problems.push({ path, message });

  for (const key of Object.keys(doc)) if (LOCAL_ONLY_KEYS.includes(key)) add([key], 'is a local setting of each facility; a ministry document cannot set it');
  if (typeof doc.minAgentVersion === 'string' && !isVersion(doc.minAgentVersion)) add(['minAgentVersion'], `must be a release version such as "1.4.0", got ${JSON.stringify(doc.minAgentVersion)}`);
  if (typeof doc.issuedAt === 'string' && Number.isNaN(Date.parse(doc.issuedAt))) add(['issuedAt'], 'must be a date-time such as "2026-03-01T08:00:00+07:00"');
  settingProblems(doc, [], add);
  if (doc.overrides !== null && typeof doc.overrides === 'object')
    for (const [code, settings] of Object.entries(doc.overrides as Record<string, unknown>)) {
      if (!ID_PATTERN.test(code)) add(['overrides', code], 'the key must be a 5-character MA_CSKCB');
      if (settings === null || typeof settings !== 'object') continue;
      for (const key of Object.keys(settings)) {
        if (LOCAL_ONLY_KEYS.includes(key)) add(['overrides', code, key], `a facility override may set only ${SETTING_KEYS.join(', ')}`);
      }
      settingProblems(settings as Record<string, unknown>, ['overrides', code], add);
    }
  if (problems.length) throw new ManagedDocumentError(sortProblems(problems, DOCUMENT_SCHEMA, doc).map(problemText));
  return input as unknown as ManagedDocument;
}

/** What a schema cannot say: ids listed once, URLs that parse, secrets only by reference. */
function settingProblems(s: Record<string, unknown>, prefix: PathSegment[], add: (path: PathSegment[], message: string) => void): void {
  if (Array.isArray(s.destinations)) {
    const seen = new Set<string>();
    s.destinations.forEach((d: unknown, i) => {
      if (d === null || typeof d !== 'object') return;
      const { id, baseUrl } = d as { id?: unknown; baseUrl?: unknown };
      if (typeof id === 'string' && seen.has(id)) add([...prefix, 'destinations', i, 'id'], `"${id}" is listed twice`);
      if (typeof id === 'string') seen.add(id);
      if (baseUrl !== undefined && !isHttpUrl(baseUrl)) add([...prefix, 'destinations', i, 'baseUrl'], `must be an https:// (or http://) URL, got ${JSON.stringify(baseUrl)}`);
    });
  }
  // Documents travel and are stored in clear: they may name a secret, never hold one (x-secret).
  eachAnnotated({ properties: SETTINGS_PROPERTIES }, s, 'x-secret', (value, path) => {
    if (typeof value !== 'string' || !looksLikeSecretReference(value) || !parseSecretReference(value).ok) {
      add([...prefix, ...path], 'must be a reference such as env:PROVINCE_TOKEN (or file:PATH, keychain:SERVICE/ACCOUNT), never the secret itself');
    }
  });
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string' || !URL.canParse(v)) return false;
  const u = new URL(v);
  return u.protocol === 'https:' || u.protocol === 'http:';
}

// The configuration (DESIGN §7, keys in §10), validated at start with errors that name the
// key and the fix. Hand-written checks keep the messages plain for hospital IT staff.
import { looksLikeSecretReference, parseSecretReference } from './secrets.js';

export interface FolderSourceConfig {
  id: string;
  type: 'folder';
  path: string;
  format: 'xml130' | 'hl7v2' | 'auto';
  /** How long size and mtime must stay unchanged before a file is read (ms). */
  quietMs: number;
  processedDir: string;
  errorDir: string;
  /** Records committed per intake transaction: larger is faster, smaller re-reads less after a crash. */
  commitEvery: number;
  /** Larger files are refused unread, moved to error/ with the reason (default 2 GiB). */
  maxFileBytes?: number;
  /** Largest single record (HOSO) accepted, in bytes of its base64 text (default 256 MiB). */
  maxRecordBytes?: number;
}

export interface MllpSourceConfig {
  id: string;
  type: 'mllp';
  host: string;
  port: number;
  format: 'hl7v2';
  /** Charset override for senders whose MSH-18 is missing or wrong. */
  charset?: string;
  maxMessageBytes?: number;
  /** original: AA after commit; enhanced: CA after commit, then an application ACK after conversion. */
  ackMode: 'original' | 'enhanced';
  /** MSH-11 processing ids accepted (e.g. [P]); others get AR. Empty = all. */
  acceptProcessingIds: string[];
  /** A connection silent this long is closed (ms). */
  idleTimeoutMs: number;
}

export type SourceConfig = FolderSourceConfig | MllpSourceConfig;

/**
 * How the agent proves who it is to a store (DESIGN §9). Secrets are references
 * (`env:NAME`, `file:PATH`, `keychain:SERVICE/ACCOUNT`, see secrets.ts), never values.
 */
export type AuthConfig =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | {
      /** OAuth 2.0 client credentials grant (RFC 6749 §4.4). */
      type: 'oauth2';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
      /** Sent as `audience` for authorization servers that issue tokens per API. */
      audience?: string;
      /** How the client authenticates to the token endpoint: HTTP Basic (RFC 6749 §2.3.1, the default) or form fields. */
      clientAuth: 'basic' | 'post';
    }
  /** The client certificate in `tls` is the only credential. */
  | { type: 'mtls' };

/** Trust and client certificate of one destination; verification itself cannot be turned off. */
export interface TlsConfig {
  /** PEM CA certificate(s) trusted in addition to the public roots (a private or ministry CA). */
  caFile?: string;
  /** PEM client certificate (chain) for mutual TLS; needs keyFile. */
  certFile?: string;
  keyFile?: string;
  /** Secret reference for an encrypted key. */
  keyPassphrase?: string;
}

export type DeliveryMode = 'transaction' | 'batch' | 'operation';

export interface DestinationConfig {
  id: string;
  type: 'fhir';
  baseUrl: string;
  auth: AuthConfig;
  /** transaction (default) or batch: POST the Bundle to the base; operation: VN Core `Bundle/$submit-bhyt-claim`. */
  mode: DeliveryMode;
  /** `mode` parameter of `$submit-bhyt-claim`; present exactly when mode is operation. */
  operationMode?: 'test' | 'production';
  tls?: TlsConfig;
  timeoutMs: number;
  /** Deliveries in flight at once to this destination. */
  concurrency: number;
  /** Most records merged into one transaction while the store is healthy (adaptive batching). */
  maxBatch: number;
}

export interface RetryConfig {
  baseDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
}

export interface AgentConfig {
  facility: { code: string; name?: string };
  dataDir: string;
  sources: SourceConfig[];
  destinations: DestinationConfig[];
  statusApi: { host: string; port: number };
  retry: RetryConfig;
  logging: { level: 'error' | 'warn' | 'info' | 'debug'; retainDays: number };
  alerts: {
    /** POST every opened/closed alert as JSON here (optional). */
    webhookUrl?: string;
    /** Open deliveries at one destination above which a backlog alert opens. */
    backlogThreshold: number;
    /** No record received for this many working hours (Mon–Sat 07–17, UTC+7) → alert; 0 = never. */
    noInputWorkingHours: number;
  };
  security: {
    /** Seal stored payloads with AES-256-GCM (DESIGN §9); on unless turned off on purpose. */
    encryptAtRest: boolean;
    /** The data key by reference (env:NAME, base64 of 32 bytes) instead of <dataDir>/keys.json. */
    dataKey?: string;
  };
  retention: {
    /** Payloads (raw input, bundle) of records delivered everywhere are dropped after this many days. */
    deliveredPayloadDays: number;
    /** And beyond this total size (MiB), oldest delivered first. */
    maxPayloadMiB: number;
  };
  /** Path of a profile pack JSON; absent = the built-in VN Core pack. */
  profilePack?: string;
  managed?: { url?: string; publicKey?: string };
  /** HL7v2 settings of this facility (see hl7v2Settings below). */
  hl7v2?: Hl7v2Settings;
}

/** PEM text stays as given; a file path is resolved against the config file's folder. */
function managedPublicKey(value: string | undefined, resolvePath: (p: string) => string): string | undefined {
  if (value === undefined || value.includes('-----BEGIN')) return value;
  return resolvePath(value);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed config document and fills defaults. `resolvePath` turns relative paths
 * into absolute ones (relative to the config file). Throws ConfigError listing every problem.
 */
export function validateConfig(input: unknown, resolvePath: (p: string) => string): AgentConfig {
  const problems: string[] = [];
  const doc = isObj(input) ? input : (problems.push('the file must hold a mapping of keys (YAML or JSON object)'), {} as Obj);

  const str = (o: Obj, key: string, path: string, opts: { required?: boolean; fallback?: string } = {}): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') {
      if (opts.required) problems.push(`${path}: is required`);
      return opts.fallback;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      problems.push(`${path}: must be text, got ${typeof v}`);
      return opts.fallback;
    }
    return String(v);
  };
  const num = (o: Obj, key: string, path: string, fallback: number, min: number, max: number): number => {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
      problems.push(`${path}: must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback: T): T => {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    if (!allowed.includes(v as T)) {
      problems.push(`${path}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v as T;
  };
  const section = (key: string): Obj => {
    const v = doc[key];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      problems.push(`${key}: must be a mapping of keys`);
      return {};
    }
    return v;
  };

  const facilityDoc = section('facility');
  const facilityCode = str(facilityDoc, 'code', 'facility.code', { required: true }) ?? '';
  if (facilityCode && !/^[0-9A-Za-z]{5}$/.test(facilityCode)) {
    problems.push(`facility.code: must be the 5-character MA_CSKCB issued by Vietnam Social Security, got ${JSON.stringify(facilityCode)}`);
  }
  const dataDir = resolvePath(str(doc, 'dataDir', 'dataDir', { required: true }) ?? '.');

  const ids = new Set<string>();
  const checkId = (id: string | undefined, path: string) => {
    if (!id) return;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) problems.push(`${path}: use letters, digits, '-', '_' or '.' (at most 64), got ${JSON.stringify(id)}`);
    if (ids.has(id)) problems.push(`${path}: "${id}" is used twice; every source and destination needs its own id`);
    ids.add(id);
  };

  const sources: SourceConfig[] = [];
  const rawSources = doc.sources ?? [];
  if (!Array.isArray(rawSources)) problems.push('sources: must be a list');
  else
    rawSources.forEach((s, i) => {
      const p = `sources[${i}]`;
      if (!isObj(s)) return void problems.push(`${p}: must be a mapping of keys`);
      const id = str(s, 'id', `${p}.id`, { required: true });
      checkId(id, `${p}.id`);
      const type = oneOf(s, 'type', `${p}.type`, ['folder', 'mllp'] as const, 'folder');
      if (s.type === undefined) problems.push(`${p}.type: is required (folder or mllp)`);
      if (type === 'folder') {
        const folder = str(s, 'path', `${p}.path`, { required: true });
        const abs = folder ? resolvePath(folder) : '';
        sources.push({
          id: id ?? '',
          type,
          path: abs,
          format: oneOf(s, 'format', `${p}.format`, ['xml130', 'hl7v2', 'auto'] as const, 'xml130'),
          quietMs: num(s, 'quietMs', `${p}.quietMs`, 2000, 0, 600_000),
          processedDir: resolvePath(str(s, 'processedDir', `${p}.processedDir`) ?? `${abs}/processed`),
          errorDir: resolvePath(str(s, 'errorDir', `${p}.errorDir`) ?? `${abs}/error`),
          commitEvery: num(s, 'commitEvery', `${p}.commitEvery`, 200, 1, 100_000),
          maxFileBytes: num(s, 'maxFileBytes', `${p}.maxFileBytes`, 2 * 1024 ** 3, 1024, 64 * 1024 ** 3),
          maxRecordBytes: num(s, 'maxRecordBytes', `${p}.maxRecordBytes`, 256 * 1024 ** 2, 1024, 1024 ** 3),
        });
      } else {
        sources.push({
          id: id ?? '',
          type,
          host: str(s, 'host', `${p}.host`, { fallback: '0.0.0.0' })!,
          port: num(s, 'port', `${p}.port`, 2575, 0, 65535),
          format: oneOf(s, 'format', `${p}.format`, ['hl7v2'] as const, 'hl7v2'),
          charset: str(s, 'charset', `${p}.charset`),
          maxMessageBytes: num(s, 'maxMessageBytes', `${p}.maxMessageBytes`, 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
          ackMode: oneOf(s, 'ackMode', `${p}.ackMode`, ['original', 'enhanced'] as const, 'original'),
          acceptProcessingIds: Array.isArray(s.acceptProcessingIds) ? s.acceptProcessingIds.map(String) : [],
          idleTimeoutMs: num(s, 'idleTimeoutMs', `${p}.idleTimeoutMs`, 300_000, 1000, 86_400_000),
        });
      }
    });

  const destinations: DestinationConfig[] = [];
  const rawDest = doc.destinations ?? [];
  if (!Array.isArray(rawDest)) problems.push('destinations: must be a list');
  else
    rawDest.forEach((d, i) => {
      const p = `destinations[${i}]`;
      if (!isObj(d)) return void problems.push(`${p}: must be a mapping of keys`);
      const id = str(d, 'id', `${p}.id`, { required: true });
      checkId(id, `${p}.id`);
      oneOf(d, 'type', `${p}.type`, ['fhir'] as const, 'fhir');
      const baseUrl = str(d, 'baseUrl', `${p}.baseUrl`, { required: true }) ?? '';
      if (baseUrl) {
        try {
          const u = new URL(baseUrl);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${p}.baseUrl: must start with https:// (or http:// on a trusted network)`);
        } catch {
          problems.push(`${p}.baseUrl: is not a URL: ${JSON.stringify(baseUrl)}`);
        }
      }
      const access = destinationAccess(d, p, baseUrl, { problems, str, oneOf, resolvePath });
      const mode = oneOf(d, 'mode', `${p}.mode`, ['transaction', 'batch', 'operation'] as const, 'transaction');
      const operationMode = d.operationMode === undefined || d.operationMode === null ? undefined : oneOf(d, 'operationMode', `${p}.operationMode`, ['test', 'production'] as const, 'test');
      if (mode === 'operation' && !operationMode) {
        problems.push(`${p}.operationMode: is required with mode operation: test while trying the gateway, production to submit claims`);
      }
      if (mode !== 'operation' && operationMode) problems.push(`${p}.operationMode: applies only with mode operation`);
      destinations.push({
        id: id ?? '',
        type: 'fhir',
        baseUrl: baseUrl.replace(/\/+$/, ''),
        auth: access.auth,
        mode,
        ...(mode === 'operation' && operationMode ? { operationMode } : {}),
        ...(access.tls ? { tls: access.tls } : {}),
        timeoutMs: num(d, 'timeoutMs', `${p}.timeoutMs`, 30_000, 100, 600_000),
        concurrency: num(d, 'concurrency', `${p}.concurrency`, 4, 1, 64),
        maxBatch: num(d, 'maxBatch', `${p}.maxBatch`, 20, 1, 500),
      });
    });

  const api = section('statusApi');
  const apiHost = str(api, 'host', 'statusApi.host', { fallback: '127.0.0.1' })!;
  if (!['127.0.0.1', 'localhost', '::1'].includes(apiHost)) {
    problems.push(`statusApi.host: the status API listens on loopback only (127.0.0.1 or ::1), got ${JSON.stringify(apiHost)}`);
  }
  const retry = section('retry');
  const logging = section('logging');
  const managed = doc.managed === undefined ? undefined : section('managed');
  const alerts = section('alerts');
  const retention = section('retention');
  const security = section('security');
  const encryptAtRest = security.encryptAtRest ?? true;
  if (typeof encryptAtRest !== 'boolean') problems.push(`security.encryptAtRest: must be true or false, got ${JSON.stringify(encryptAtRest)}`);
  const dataKey = str(security, 'dataKey', 'security.dataKey');
  if (dataKey && !dataKey.startsWith('env:')) problems.push('security.dataKey: give a reference such as env:VHR_DATA_KEY, never the key itself');
  const webhookUrl = str(alerts, 'webhookUrl', 'alerts.webhookUrl');
  if (webhookUrl) {
    try {
      new URL(webhookUrl);
    } catch {
      problems.push(`alerts.webhookUrl: is not a URL: ${JSON.stringify(webhookUrl)}`);
    }
  }

  const config: AgentConfig = {
    facility: { code: facilityCode, name: str(facilityDoc, 'name', 'facility.name') },
    dataDir,
    sources,
    destinations,
    statusApi: { host: apiHost, port: num(api, 'port', 'statusApi.port', 0, 0, 65535) },
    retry: {
      baseDelayMs: num(retry, 'baseDelayMs', 'retry.baseDelayMs', 2000, 1, 3_600_000),
      maxDelayMs: num(retry, 'maxDelayMs', 'retry.maxDelayMs', 600_000, 1, 86_400_000),
      factor: num(retry, 'factor', 'retry.factor', 2, 1, 10),
      jitter: num(retry, 'jitter', 'retry.jitter', 0.2, 0, 1),
    },
    logging: {
      level: oneOf(logging, 'level', 'logging.level', ['error', 'warn', 'info', 'debug'] as const, 'info'),
      retainDays: num(logging, 'retainDays', 'logging.retainDays', 30, 1, 3650),
    },
    alerts: {
      webhookUrl,
      backlogThreshold: num(alerts, 'backlogThreshold', 'alerts.backlogThreshold', 5000, 1, 100_000_000),
      noInputWorkingHours: num(alerts, 'noInputWorkingHours', 'alerts.noInputWorkingHours', 4, 0, 1000),
    },
    security: { encryptAtRest: encryptAtRest !== false, dataKey },
    retention: {
      deliveredPayloadDays: num(retention, 'deliveredPayloadDays', 'retention.deliveredPayloadDays', 30, 0, 3650),
      maxPayloadMiB: num(retention, 'maxPayloadMiB', 'retention.maxPayloadMiB', 4096, 1, 10_000_000),
    },
    profilePack: doc.profilePack === undefined ? undefined : resolvePath(str(doc, 'profilePack', 'profilePack') ?? ''),
    managed: managed ? { url: str(managed, 'url', 'managed.url'), publicKey: managedPublicKey(str(managed, 'publicKey', 'managed.publicKey'), resolvePath) } : undefined,
    hl7v2: hl7v2Settings(doc.hl7v2, problems),
  };
  if (config.retry.maxDelayMs < config.retry.baseDelayMs) problems.push('retry.maxDelayMs: must not be smaller than retry.baseDelayMs');
  const known = new Set(['facility', 'dataDir', 'sources', 'destinations', 'statusApi', 'retry', 'logging', 'alerts', 'security', 'retention', 'profilePack', 'managed', 'hl7v2']);
  for (const k of Object.keys(doc)) if (!known.has(k)) problems.push(`${k}: unknown key (known keys: ${[...known].join(', ')})`);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

// ── Destination access: auth, TLS (DESIGN §9) ───────────────────────────────────────

interface Checks {
  problems: string[];
  str: (o: Obj, key: string, path: string, opts?: { required?: boolean; fallback?: string }) => string | undefined;
  oneOf: <T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback: T) => T;
  resolvePath: (p: string) => string;
}

const AUTH_KEYS = {
  none: ['type'],
  bearer: ['type', 'token'],
  oauth2: ['type', 'tokenUrl', 'clientId', 'clientSecret', 'scope', 'audience', 'clientAuth'],
  mtls: ['type'],
} as const;
const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'keyPassphrase'] as const;

/**
 * Switches other HTTP clients offer for skipping certificate checks, compared without case
 * or punctuation. Named so that the refusal explains itself instead of "unknown key".
 */
const VERIFY_OFF_KEYS = new Set([
  'rejectunauthorized',
  'insecure',
  'insecureskipverify',
  'skipverify',
  'skiptlsverify',
  'noverify',
  'verify',
  'verifyserver',
  'verifypeer',
  'verifyhostname',
  'sslverify',
  'tlsverify',
  'strictssl',
  'checkserveridentity',
  'allowselfsigned',
  'allowinsecure',
  'allowunauthorized',
  'ignorecertificateerrors',
  'trustallcertificates',
]);
const VERIFY_OFF_REASON =
  'TLS certificate verification is always on and cannot be turned off: the agent sends health records, which are sensitive personal data (Law 91/2025). To trust a private or self-signed certificate, give its CA certificate in tls.caFile';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function destinationAccess(d: Obj, p: string, baseUrl: string, c: Checks): { auth: AuthConfig; tls?: TlsConfig } {
  refuseVerifyOff(d, p, c.problems);
  const auth = destinationAuth(d.auth, `${p}.auth`, c);
  const tls = destinationTls(d.tls, `${p}.tls`, c);
  if (auth.type === 'mtls' && !(tls?.certFile && tls.keyFile)) {
    c.problems.push(`${p}.auth: type mtls needs tls.certFile and tls.keyFile (the client certificate is the credential)`);
  }
  const httpsSomewhere = baseUrl.startsWith('https:') || (auth.type === 'oauth2' && auth.tokenUrl.startsWith('https:'));
  if (tls && baseUrl && !httpsSomewhere) c.problems.push(`${p}.tls: applies to https:// addresses only, and baseUrl is not one`);
  return tls ? { auth, tls } : { auth };
}

function destinationAuth(raw: unknown, p: string, c: Checks): AuthConfig {
  if (raw === undefined || raw === null) return { type: 'none' };
  if (!isObj(raw)) {
    c.problems.push(`${p}: must be a mapping with a type (none, bearer, oauth2 or mtls)`);
    return { type: 'none' };
  }
  refuseVerifyOff(raw, p, c.problems);
  const type = c.oneOf(raw, 'type', `${p}.type`, ['none', 'bearer', 'oauth2', 'mtls'] as const, 'none');
  refuseUnknown(raw, p, AUTH_KEYS[type], c.problems, `with type ${type}`);
  if (type === 'bearer') return { type, token: secretRef(raw, 'token', `${p}.token`, 'env:PROVINCE_TOKEN', c) };
  if (type === 'oauth2') {
    const tokenUrl = c.str(raw, 'tokenUrl', `${p}.tokenUrl`, { required: true }) ?? '';
    if (tokenUrl) checkTokenUrl(tokenUrl, `${p}.tokenUrl`, c.problems);
    const auth: AuthConfig = {
      type,
      tokenUrl,
      clientId: c.str(raw, 'clientId', `${p}.clientId`, { required: true }) ?? '',
      clientSecret: secretRef(raw, 'clientSecret', `${p}.clientSecret`, 'env:PROVINCE_CLIENT_SECRET', c),
      clientAuth: c.oneOf(raw, 'clientAuth', `${p}.clientAuth`, ['basic', 'post'] as const, 'basic'),
    };
    const scope = c.str(raw, 'scope', `${p}.scope`);
    const audience = c.str(raw, 'audience', `${p}.audience`);
    return { ...auth, ...(scope ? { scope } : {}), ...(audience ? { audience } : {}) };
  }
  return { type };
}

function destinationTls(raw: unknown, p: string, c: Checks): TlsConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    c.problems.push(`${p}: must be a mapping (caFile, certFile, keyFile, keyPassphrase)`);
    return undefined;
  }
  refuseVerifyOff(raw, p, c.problems);
  refuseUnknown(raw, p, TLS_KEYS, c.problems);
  const tls: TlsConfig = {};
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const file = c.str(raw, key, `${p}.${key}`);
    if (file) tls[key] = c.resolvePath(file);
  }
  if (raw.keyPassphrase !== undefined && raw.keyPassphrase !== null) {
    tls.keyPassphrase = secretRef(raw, 'keyPassphrase', `${p}.keyPassphrase`, 'env:PROVINCE_KEY_PASSPHRASE', c);
  }
  if (tls.certFile && !tls.keyFile) c.problems.push(`${p}.keyFile: is required with certFile (the client certificate's private key)`);
  if (tls.keyFile && !tls.certFile) c.problems.push(`${p}.certFile: is required with keyFile (the client certificate)`);
  if (tls.keyPassphrase && !tls.keyFile) c.problems.push(`${p}.keyPassphrase: applies only with keyFile`);
  return tls;
}

/** A secret setting must be a reference; `file:` paths are made absolute against the config folder. */
function secretRef(o: Obj, key: string, path: string, example: string, c: Checks): string {
  const value = c.str(o, key, path, { required: true }) ?? '';
  if (!value) return value;
  // Never quote the value: when it is not a reference, it probably is the secret itself.
  if (!looksLikeSecretReference(value)) {
    c.problems.push(`${path}: give a reference such as ${example}, never the secret itself`);
    return '';
  }
  const parsed = parseSecretReference(value);
  if (!parsed.ok) {
    c.problems.push(`${path}: ${parsed.problem}`);
    return '';
  }
  return parsed.ref.kind === 'file' ? `file:${c.resolvePath(parsed.ref.path)}` : value;
}

function checkTokenUrl(tokenUrl: string, path: string, problems: string[]): void {
  let u: URL;
  try {
    u = new URL(tokenUrl);
  } catch {
    problems.push(`${path}: is not a URL: ${JSON.stringify(tokenUrl)}`);
    return;
  }
  if (u.username || u.password) problems.push(`${path}: must not hold credentials; give them in clientId and clientSecret`);
  // The client secret travels in this request: plain http only on this machine.
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) problems.push(`${path}: must start with https:// (the client secret is sent to it)`);
  else if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${path}: must start with https://`);
}

function refuseVerifyOff(o: Obj, p: string, problems: string[]): void {
  for (const key of Object.keys(o)) {
    if (VERIFY_OFF_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, ''))) problems.push(`${p}.${key}: ${VERIFY_OFF_REASON}`);
  }
}

function refuseUnknown(o: Obj, p: string, known: readonly string[], problems: string[], context = ''): void {
  for (const key of Object.keys(o)) {
    if (known.includes(key) || VERIFY_OFF_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, ''))) continue;
    problems.push(`${p}.${key}: unknown key${context ? ` ${context}` : ''} (known keys: ${known.join(', ')})`);
  }
}

// ── HL7v2 settings (key `hl7v2`, docs/mapping-hl7v2.md "Identity") ───────────────────────

export interface Hl7v2Settings {
  /**
   * This facility's assigning authorities (CX-4 namespace or universal id) → the VN Core
   * identifier they belong to: a pack meaning (`mrn`, `cccd`, `bhyt` …), a meaning scoped to
   * another facility (`mrn@79024` → sid/ma-bn/79024) or an absolute URI.
   */
  assigningAuthorities: Record<string, string>;
}

function hl7v2Settings(value: unknown, problems: string[]): Hl7v2Settings | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('hl7v2: must be an object such as {"assigningAuthorities": {"BV01": "mrn"}}');
    return undefined;
  }
  const { assigningAuthorities = {}, ...rest } = value as Record<string, unknown>;
  for (const k of Object.keys(rest)) problems.push(`hl7v2.${k}: unknown key (known keys: assigningAuthorities)`);
  if (typeof assigningAuthorities !== 'object' || assigningAuthorities === null || Array.isArray(assigningAuthorities)) {
    problems.push('hl7v2.assigningAuthorities: must map authority names to identifier meanings or URIs');
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [authority, target] of Object.entries(assigningAuthorities)) {
    if (typeof target !== 'string' || !/^((https?:\/\/|urn:)\S+|[A-Za-z][A-Za-z0-9]*(@\d{5})?)$/.test(target)) {
      problems.push(`hl7v2.assigningAuthorities.${authority}: give a meaning (mrn, cccd, bhyt …), mrn@MA_CSKCB or a URI, got ${JSON.stringify(target)}`);
    } else out[authority] = target;
  }
  return { assigningAuthorities: out };
}

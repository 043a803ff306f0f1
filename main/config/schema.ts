// The configuration (DESIGN §7, keys in §10), validated at start with errors that name the
// key and the fix. Hand-written checks keep the messages plain for hospital IT staff.

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
}

export type SourceConfig = FolderSourceConfig | MllpSourceConfig;

export type AuthConfig = { type: 'none' } | { type: 'bearer'; token: string };

export interface DestinationConfig {
  id: string;
  type: 'fhir';
  baseUrl: string;
  auth: AuthConfig;
  mode: 'transaction' | 'batch';
  timeoutMs: number;
  /** Deliveries in flight at once to this destination. */
  concurrency: number;
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
  /** Path of a profile pack JSON; absent = the built-in VN Core pack. */
  profilePack?: string;
  managed?: { url?: string; publicKey?: string };
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
      let auth: AuthConfig = { type: 'none' };
      if (d.auth !== undefined && d.auth !== null) {
        if (!isObj(d.auth)) problems.push(`${p}.auth: must be a mapping with a type (none or bearer)`);
        else {
          const t = oneOf(d.auth, 'type', `${p}.auth.type`, ['none', 'bearer'] as const, 'none');
          if (t === 'bearer') {
            const token = str(d.auth, 'token', `${p}.auth.token`, { required: true }) ?? '';
            if (token && !token.startsWith('env:')) {
              problems.push(`${p}.auth.token: give a reference such as env:PROVINCE_TOKEN, never the secret itself`);
            }
            auth = { type: 'bearer', token };
          }
        }
      }
      destinations.push({
        id: id ?? '',
        type: 'fhir',
        baseUrl: baseUrl.replace(/\/+$/, ''),
        auth,
        mode: oneOf(d, 'mode', `${p}.mode`, ['transaction', 'batch'] as const, 'transaction'),
        timeoutMs: num(d, 'timeoutMs', `${p}.timeoutMs`, 30_000, 100, 600_000),
        concurrency: num(d, 'concurrency', `${p}.concurrency`, 4, 1, 64),
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
    profilePack: doc.profilePack === undefined ? undefined : resolvePath(str(doc, 'profilePack', 'profilePack') ?? ''),
    managed: managed ? { url: str(managed, 'url', 'managed.url'), publicKey: str(managed, 'publicKey', 'managed.publicKey') } : undefined,
  };
  if (config.retry.maxDelayMs < config.retry.baseDelayMs) problems.push('retry.maxDelayMs: must not be smaller than retry.baseDelayMs');
  const known = new Set(['facility', 'dataDir', 'sources', 'destinations', 'statusApi', 'retry', 'logging', 'profilePack', 'managed']);
  for (const k of Object.keys(doc)) if (!known.has(k)) problems.push(`${k}: unknown key (known keys: ${[...known].join(', ')})`);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

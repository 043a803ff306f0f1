// `statusApi.lan`: the status screen for other desks of the hospital (docs/service.md). Off by
// default; when enabled the agent also listens on a LAN address, over TLS only, with user
// accounts instead of the loopback token. Kept apart from the rest of the schema on purpose.

export interface LanConfig {
  host: string;
  port: number;
  /** The hospital's certificate and key (PEM files), or one the agent generates and keeps in <dataDir>/tls/. */
  tls: { certFile: string; keyFile: string } | 'generated';
  /** Host names and addresses a generated certificate is made for (officers type one of these). */
  names: string[];
  /** A session ends after this long without a request… */
  idleMinutes: number;
  /** …and in any case after this long. */
  sessionHours: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The LAN section when enabled, undefined when absent or off; problems are pushed in plain words. */
export function parseLanSection(input: unknown, resolvePath: (p: string) => string, problems: string[]): LanConfig | undefined {
  if (input === undefined) return undefined;
  if (!isObj(input)) {
    problems.push('statusApi.lan: must be a mapping (enabled, host, port, tls)');
    return undefined;
  }
  const known = new Set(['enabled', 'host', 'port', 'tls', 'names', 'idleMinutes', 'sessionHours']);
  for (const k of Object.keys(input)) if (!known.has(k)) problems.push(`statusApi.lan.${k}: unknown key (known: ${[...known].join(', ')})`);
  const enabled = input.enabled ?? false;
  if (typeof enabled !== 'boolean') problems.push(`statusApi.lan.enabled: must be true or false, got ${JSON.stringify(enabled)}`);
  if (enabled !== true) return undefined;

  const host = input.host ?? '0.0.0.0';
  if (typeof host !== 'string' || host.trim() === '') problems.push('statusApi.lan.host: must be the address to listen on, e.g. 0.0.0.0 or 192.168.1.20');
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = input[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`statusApi.lan.${key}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const port = int('port', 8443, 0, 65535);
  let tls: LanConfig['tls'] = 'generated';
  const t = input.tls ?? 'generated';
  if (t === 'generated') tls = 'generated';
  else if (isObj(t) && typeof t.certFile === 'string' && typeof t.keyFile === 'string') tls = { certFile: resolvePath(t.certFile), keyFile: resolvePath(t.keyFile) };
  else problems.push('statusApi.lan.tls: must be "generated" or { certFile, keyFile } (PEM files); the LAN screen is never served without TLS');
  const names = input.names ?? [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n.length > 0)) problems.push('statusApi.lan.names: must be a list of host names or addresses');
  return {
    host: typeof host === 'string' ? host : '0.0.0.0',
    port,
    tls,
    names: Array.isArray(names) ? (names as string[]) : [],
    idleMinutes: int('idleMinutes', 30, 1, 24 * 60),
    sessionHours: int('sessionHours', 12, 1, 24 * 7),
  };
}

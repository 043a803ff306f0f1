// `statusApi.lan` (definition.ts) as the agent uses it: present only when enabled, with the
// certificate either the hospital's (both files) or one to generate (docs/service.md §5).
import type { AgentConfig } from './definition.js';
import { ConfigError } from './schema.js';

export interface LanConfig {
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | 'generated';
  names: string[];
  idleMinutes: number;
  sessionHours: number;
}

/** The LAN screen's settings when it is enabled; undefined when off. */
export function lanSettings(config: Pick<AgentConfig, 'statusApi'>): LanConfig | undefined {
  const lan = config.statusApi.lan;
  if (!lan?.enabled) return undefined;
  const { certFile, keyFile } = lan.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError([`statusApi.lan.tls: give both certFile and keyFile (the hospital's certificate and its key), or neither to have one generated`]);
  }
  return {
    host: lan.host,
    port: lan.port,
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : 'generated',
    names: [...lan.names],
    idleMinutes: lan.idleMinutes,
    sessionHours: lan.sessionHours,
  };
}

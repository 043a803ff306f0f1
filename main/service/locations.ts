// Where the agent's configuration and data live: one documented place per platform, read by
// the service, the desktop app and the command line alike (docs/service.md). `--config` (or
// VHR_AGENT_CONFIG) still points anywhere else, e.g. for tests and demos.
import { join, win32 } from 'node:path';

export interface AgentLocations {
  /** The configuration file every part of the agent reads by default. */
  configFile: string;
  /** The data folder the installer prepares (database, keyring, logs, api.json). */
  dataDir: string;
}

/** The documented locations on this platform (Windows: %ProgramData%\vhr-agent; elsewhere /etc and /var/lib). */
export function documentedLocations(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): AgentLocations {
  if (platform === 'win32') {
    const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
    const root = win32.join(programData, 'vhr-agent');
    return { configFile: win32.join(root, 'config.yaml'), dataDir: win32.join(root, 'data') };
  }
  return { configFile: join('/etc', 'vhr-agent', 'config.yaml'), dataDir: join('/var', 'lib', 'vhr-agent') };
}

/** The configuration to read: the one given (`--config`), else VHR_AGENT_CONFIG, else the documented file. */
export function resolveConfigPath(explicit?: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.VHR_AGENT_CONFIG) return env.VHR_AGENT_CONFIG;
  return documentedLocations(platform, env).configFile;
}

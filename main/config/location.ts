// The one place the configuration file lives on each platform, read alike by the desktop app,
// the service and the CLI (docs/configuration.md); --config overrides it.
//   Windows  %ProgramData%\vhr-agent\config.yaml
//   Linux and others  /etc/vhr-agent/config.yaml
import { posix, win32 } from 'node:path';

export function defaultConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return win32.join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'vhr-agent', 'config.yaml');
  return posix.join('/etc', 'vhr-agent', 'config.yaml');
}

/** The configuration file to use: the one given (--config), else the platform's location. */
export function configPath(given: string | undefined, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? defaultConfigPath(platform, env);
}

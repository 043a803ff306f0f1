// The one configuration location per platform, shared by the desktop app, the service and the CLI.
import { describe, expect, it } from 'vitest';
import { documentedLocations, resolveConfigPath } from './locations.js';

describe('configuration location', () => {
  it('is %ProgramData%\\vhr-agent\\config.yaml on Windows and /etc/vhr-agent/config.yaml elsewhere', () => {
    expect(documentedLocations('win32', { ProgramData: 'D:\\ProgramData' }).configFile).toBe('D:\\ProgramData\\vhr-agent\\config.yaml');
    expect(documentedLocations('win32', {}).configFile).toBe('C:\\ProgramData\\vhr-agent\\config.yaml');
    expect(documentedLocations('linux', {}).configFile).toBe('/etc/vhr-agent/config.yaml');
    expect(resolveConfigPath('/srv/agent.yaml', 'linux', {})).toBe('/srv/agent.yaml');
    expect(resolveConfigPath(undefined, 'linux', {})).toBe('/etc/vhr-agent/config.yaml');
  });
});

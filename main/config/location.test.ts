// The one configuration location per platform, shared by the desktop app, the service and the CLI.
import { describe, expect, it } from 'vitest';
import { configPath, defaultConfigPath } from './location.js';

describe('configuration location', () => {
  it('is %ProgramData%\\vhr-agent\\config.yaml on Windows and /etc/vhr-agent/config.yaml elsewhere', () => {
    expect(defaultConfigPath('win32', { ProgramData: 'D:\\ProgramData' })).toBe('D:\\ProgramData\\vhr-agent\\config.yaml');
    expect(defaultConfigPath('win32', {})).toBe('C:\\ProgramData\\vhr-agent\\config.yaml');
    expect(defaultConfigPath('linux', {})).toBe('/etc/vhr-agent/config.yaml');
    expect(configPath('/srv/agent.yaml', 'linux', {})).toBe('/srv/agent.yaml');
    expect(configPath(undefined, 'linux', {})).toBe('/etc/vhr-agent/config.yaml');
  });
});

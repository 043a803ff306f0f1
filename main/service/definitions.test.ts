// The service definitions that ship: the systemd unit passes systemd's own checker, the WinSW
// definition is well-formed and starts the right program with the right arguments, account
// and restart policy, and the Debian scripts are valid shell doing what docs/service.md says.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { debPostinst, debPostrm, debPrerm, linuxCliLauncher, linuxServiceCommand, serviceFiles, systemdUnit, windowsCliLauncher, winswXml, WINSW_BASENAME } from './definitions.js';
import { documentedLocations, resolveConfigPath } from './locations.js';
import { tempDir } from '../../test/support/tempDir.js';

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

/** A folder shaped like the installed app, with a real executable where the Electron binary goes. */
function fakeInstall(): string {
  tmp = tempDir('vhr-svc-');
  const installDir = join(tmp.path, 'VHR Agent');
  mkdirSync(join(installDir, 'resources'), { recursive: true });
  symlinkSync(process.execPath, join(installDir, 'vhr-agent'));
  return installDir;
}

/** Elements of an XML document as [path, attributes, text]; throws on anything not well-formed. */
function parseXml(xml: string): { path: string; attrs: Record<string, string>; text: string }[] {
  const out: { path: string; attrs: Record<string, string>; text: string }[] = [];
  const stack: { path: string; attrs: Record<string, string>; text: string }[] = [];
  const parser = new SaxesParser();
  parser.on('error', (e) => {
    throw e;
  });
  parser.on('opentag', (t) => {
    const path = [...stack.map((s) => s.path.split('/').pop()), t.name].join('/');
    stack.push({ path, attrs: t.attributes as Record<string, string>, text: '' });
  });
  parser.on('text', (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => out.push(stack.pop()!));
  parser.write(xml).close();
  return out;
}

describe('systemd unit', () => {
  it.skipIf(!SYSTEMD_ANALYZE)('passes `systemd-analyze verify` without a single warning', () => {
    const installDir = fakeInstall();
    const unit = join(tmp!.path, 'vhr-agent.service');
    writeFileSync(unit, systemdUnit({ installDir }));
    const r = spawnSync(SYSTEMD_ANALYZE!, ['verify', unit], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!SYSTEMD_ANALYZE)('the checker does catch a broken unit (so the check above means something)', () => {
    const installDir = fakeInstall();
    const unit = join(tmp!.path, 'vhr-agent.service');
    writeFileSync(unit, systemdUnit({ installDir }).replace('ProtectSystem=full', 'ProtectSystem=fully'));
    expect(spawnSync(SYSTEMD_ANALYZE!, ['verify', unit], { encoding: 'utf8' }).stderr).toMatch(/protect system value/);
    writeFileSync(unit, systemdUnit({ installDir: join(tmp!.path, 'not-installed') }));
    expect(spawnSync(SYSTEMD_ANALYZE!, ['verify', unit], { encoding: 'utf8' }).status).not.toBe(0);
  });

  if (!SYSTEMD_ANALYZE) {
    it('SKIPPED: systemd-analyze is not installed here, the unit was NOT checked by systemd (apt-get install systemd)', () => {
      process.stderr.write('\n*** systemd-analyze missing: the systemd unit was not verified ***\n\n');
      expect(SYSTEMD_ANALYZE).toBeUndefined();
    });
  }

  it('runs `vhr-agent run` on the documented config as its own user, restarts on failure, keeps data in /var/lib/vhr-agent', () => {
    const unit = systemdUnit();
    const lines = unit.split('\n');
    const value = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    expect(value('ExecStart')).toEqual(['"/opt/VHR Agent/vhr-agent" "/opt/VHR Agent/resources/app.asar/dist/main/cli.js" run --quiet --config /etc/vhr-agent/config.yaml']);
    expect(value('Environment')).toEqual(['ELECTRON_RUN_AS_NODE=1', 'VHR_AGENT_CONFIG=/etc/vhr-agent/config.yaml']);
    expect([value('User'), value('Group'), value('Restart'), value('StateDirectory'), value('WorkingDirectory')]).toEqual([
      ['vhr-agent'],
      ['vhr-agent'],
      ['on-failure'],
      ['vhr-agent'],
      ['/var/lib/vhr-agent'],
    ]);
    expect([value('NoNewPrivileges'), value('ProtectSystem'), value('KillSignal'), value('ConditionPathExists')]).toEqual([['yes'], ['full'], ['SIGTERM'], ['/etc/vhr-agent/config.yaml']]);
    expect(value('WantedBy')).toEqual(['multi-user.target']);
    expect(linuxServiceCommand().slice(2)).toEqual(['run', '--quiet', '--config', documentedLocations('linux').configFile]);
  });
});

describe('WinSW service definition', () => {
  const xml = winswXml();
  const elements = parseXml(xml);
  const text = (path: string) => elements.filter((e) => e.path === path).map((e) => e.text);

  it('is well-formed XML naming the service, the app executable and `run --config` on the documented file', () => {
    expect(text('service/id')).toEqual(['vhr-agent']);
    expect(text('service/name')).toEqual(['VHR Agent']);
    expect(text('service/executable')).toEqual(['%BASE%\\..\\..\\VHR Agent.exe']);
    expect(text('service/arguments')).toEqual(['"%BASE%\\..\\app.asar\\dist\\main\\cli.js" run --quiet --config "%ProgramData%\\vhr-agent\\config.yaml"']);
    expect(elements.filter((e) => e.path === 'service/env').map((e) => [e.attrs.name, e.attrs.value])).toEqual([
      ['ELECTRON_RUN_AS_NODE', '1'],
      ['VHR_AGENT_CONFIG', '%ProgramData%\\vhr-agent\\config.yaml'],
    ]);
    expect(text('service/workingdirectory')).toEqual(['%ProgramData%\\vhr-agent\\data']);
    expect(text('service/startmode')).toEqual(['Automatic']);
  });

  it('runs as LocalService (not LocalSystem) and restarts after a failure', () => {
    expect([text('service/serviceaccount/domain'), text('service/serviceaccount/user')]).toEqual([['NT AUTHORITY'], ['LocalService']]);
    expect(xml).not.toMatch(/LocalSystem/i);
    expect(elements.filter((e) => e.path === 'service/onfailure').map((e) => [e.attrs.action, e.attrs.delay])).toEqual([
      ['restart', '10 sec'],
      ['restart', '30 sec'],
      ['restart', '60 sec'],
    ]);
    expect(text('service/resetfailure')).toEqual(['1 hour']);
  });

  it('escapes what it is given: another account name cannot break the document', () => {
    const other = parseXml(winswXml({ account: { domain: 'BV<ĐK>', user: 'svc&"vhr"' } }));
    expect(other.filter((e) => e.path.startsWith('service/serviceaccount/')).map((e) => e.text)).toEqual(['BV<ĐK>', 'svc&"vhr"', 'true']);
  });

  it('ships beside the WinSW binary from the npm package, under the same base name', () => {
    const files = serviceFiles();
    expect(Object.keys(files)).toContain(`${WINSW_BASENAME}.xml`);
    expect(existsSync(join('node_modules', 'node-windows', 'bin', 'winsw', 'winsw.exe'))).toBe(true);
  });
});

describe('Debian maintainer scripts and launchers', () => {
  it('are valid shell with no electron-builder template markers', () => {
    for (const script of [debPostinst(), debPrerm(), debPostrm(), linuxCliLauncher()]) {
      expect(script.startsWith('#!/bin/sh\n')).toBe(true);
      expect(script).not.toContain('${');
      expect(() => execFileSync('sh', ['-n'], { input: script })).not.toThrow();
    }
  });

  it('postinst makes the account and folders, enables and starts the unit; removal disables it and keeps the data', () => {
    const post = debPostinst();
    expect(post).toContain('useradd --system --gid vhr-agent');
    expect(post).toContain("install -d -m 0700 -o vhr-agent -g vhr-agent '/var/lib/vhr-agent'");
    expect(post).toContain("install -d -m 0750 -o root -g vhr-agent '/etc/vhr-agent'");
    expect(post.indexOf('systemctl enable vhr-agent.service')).toBeLessThan(post.indexOf('systemctl restart vhr-agent.service'));
    expect(debPrerm()).toContain('systemctl disable vhr-agent.service');
    expect(debPrerm()).toContain('systemctl stop vhr-agent.service');
    expect(debPostrm()).toContain('userdel vhr-agent');
    expect(debPostrm()).not.toMatch(/rm -rf?\s+.*(var\/lib|etc)\/vhr-agent/);
  });

  it('the command-line launcher runs the bundled CLI with its arguments, in Node mode', () => {
    const installDir = fakeInstall();
    const launcher = join(tmp!.path, 'vhr-agent-cli');
    const cli = join(installDir, 'resources', 'app.asar', 'dist', 'main');
    mkdirSync(cli, { recursive: true });
    writeFileSync(join(cli, 'cli.js'), 'console.log(JSON.stringify([process.env.ELECTRON_RUN_AS_NODE, ...process.argv.slice(2)]))');
    writeFileSync(launcher, linuxCliLauncher({ installDir }), { mode: 0o755 });
    expect(JSON.parse(execFileSync(launcher, ['users', 'list', '--config', 'a b.yaml'], { encoding: 'utf8' }))).toEqual(['1', 'users', 'list', '--config', 'a b.yaml']);
    expect(windowsCliLauncher()).toContain('set ELECTRON_RUN_AS_NODE=1\r\n"%~dp0..\\..\\VHR Agent.exe" "%~dp0..\\app.asar\\dist\\main\\cli.js" %*');
  });
});

describe('documented locations', () => {
  it('one place per platform, an explicit --config or VHR_AGENT_CONFIG first', () => {
    expect(documentedLocations('linux')).toEqual({ configFile: '/etc/vhr-agent/config.yaml', dataDir: '/var/lib/vhr-agent' });
    expect(documentedLocations('win32', { ProgramData: 'D:\\PD' })).toEqual({ configFile: 'D:\\PD\\vhr-agent\\config.yaml', dataDir: 'D:\\PD\\vhr-agent\\data' });
    expect(documentedLocations('win32', {})).toEqual({ configFile: 'C:\\ProgramData\\vhr-agent\\config.yaml', dataDir: 'C:\\ProgramData\\vhr-agent\\data' });
    expect(resolveConfigPath(undefined, 'linux', {})).toBe('/etc/vhr-agent/config.yaml');
    expect(resolveConfigPath(undefined, 'linux', { VHR_AGENT_CONFIG: '/srv/a.yaml' })).toBe('/srv/a.yaml');
    expect(resolveConfigPath('./mine.yaml', 'linux', { VHR_AGENT_CONFIG: '/srv/a.yaml' })).toBe('./mine.yaml');
  });
});

// The agent as an operating-system service (docs/service.md), defined once: the systemd unit
// and the Debian maintainer scripts of the deb, the WinSW definition the Windows installer
// registers with the Service Control Manager, and the small launchers that put the command
// line on PATH. The packaging script writes these files (writeDefinitions.ts) and the tests
// check them, so what is tested is what ships.
//
// The service runs the same headless core as `vhr-agent run`: the packaged Electron binary in
// Node mode (ELECTRON_RUN_AS_NODE=1, so better-sqlite3 is the one rebuilt for it) on the
// bundled dist/main/cli.js, with the documented configuration file (locations.ts).
import { posix, win32 } from 'node:path';
import { documentedLocations } from './locations.js';

/** The service's name in systemd and in the Service Control Manager; also the Linux account. */
export const SERVICE_NAME = 'vhr-agent';
export const SERVICE_DISPLAY_NAME = 'VHR Agent';
export const SERVICE_DESCRIPTION = 'Đồng bộ hồ sơ sức khỏe điện tử / EHR sync agent: claim XML and HL7v2 to FHIR R4';

/** Where electron-builder puts the app: /opt/<productName> on Linux (deb). */
export const LINUX_INSTALL_DIR = '/opt/VHR Agent';
/** The Electron executable's name: electron-builder takes it from package.json `name` on Linux. */
export const LINUX_EXECUTABLE = 'vhr-agent';
export const WINDOWS_EXECUTABLE = 'VHR Agent.exe';
/** The command line inside the packaged app (asar archive). */
const CLI_IN_RESOURCES = ['resources', 'app.asar', 'dist', 'main', 'cli.js'] as const;
/** Where the packaged service files go (electron-builder extraResources `service/`). */
export const SERVICE_RESOURCES_DIR = 'service';
/** WinSW reads `<name>.xml` beside `<name>.exe`; both are named after the service. */
export const WINSW_BASENAME = `${SERVICE_NAME}-service`;

export interface LinuxServiceOptions {
  installDir?: string;
  configFile?: string;
  dataDir?: string;
  user?: string;
}

const quoteSystemd = (s: string) => (/[\s"\\]/.test(s) ? `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"` : s);

/** The command the service runs, as argv: the app binary in Node mode on the bundled CLI. */
export function linuxServiceCommand(opts: LinuxServiceOptions = {}): string[] {
  const installDir = opts.installDir ?? LINUX_INSTALL_DIR;
  const configFile = opts.configFile ?? documentedLocations('linux').configFile;
  return [posix.join(installDir, LINUX_EXECUTABLE), posix.join(installDir, ...CLI_IN_RESOURCES), 'run', '--quiet', '--config', configFile];
}

/**
 * The systemd unit. Hardening is as tight as the agent allows: it writes only its data folder
 * (StateDirectory) and the watched export folders (processed/ and error/ moves), so /usr, /etc
 * and /boot are read-only (ProtectSystem=full) while the rest of the file system stays as the
 * hospital's folder permissions say. V8 compiles code at run time, so no MemoryDenyWriteExecute.
 */
export function systemdUnit(opts: LinuxServiceOptions = {}): string {
  const loc = documentedLocations('linux');
  const configFile = opts.configFile ?? loc.configFile;
  const dataDir = opts.dataDir ?? loc.dataDir;
  const user = opts.user ?? SERVICE_NAME;
  const stateDirectory = posix.relative('/var/lib', dataDir);
  return `# ${SERVICE_DISPLAY_NAME}: the headless agent, as \`vhr-agent run --config ${configFile}\` (docs/service.md).
[Unit]
Description=${SERVICE_DISPLAY_NAME} - EHR sync agent (claim XML and HL7v2 to FHIR R4)
Documentation=man:systemd.service(5)
After=network-online.target
Wants=network-online.target
# Installed but idle until IT has written the configuration.
ConditionPathExists=${configFile}
StartLimitIntervalSec=10min
StartLimitBurst=10

[Service]
Type=simple
User=${user}
Group=${user}
Environment=ELECTRON_RUN_AS_NODE=1
Environment=VHR_AGENT_CONFIG=${configFile}
ExecStart=${linuxServiceCommand(opts).map(quoteSystemd).join(' ')}
WorkingDirectory=${dataDir}
${stateDirectory && !stateDirectory.startsWith('..') ? `StateDirectory=${stateDirectory}\nStateDirectoryMode=0700\n` : `ReadWritePaths=${dataDir}\n`}UMask=0077
# SIGTERM stops the agent cleanly (queue committed, deliveries handed back); give it time.
KillSignal=SIGTERM
TimeoutStopSec=60s
Restart=on-failure
RestartSec=10s
# Hardening: nothing the agent needs is lost (see the comment above this unit's generator).
NoNewPrivileges=yes
ProtectSystem=full
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=

[Install]
WantedBy=multi-user.target
`;
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * deb postinst (electron-builder `deb.afterInstall`): what electron-builder's own script does
 * (sandbox helper, the command on PATH), then the service account, its folders and the unit.
 * Written without `${…}`: electron-builder treats those as its own template variables.
 */
export function debPostinst(opts: LinuxServiceOptions = {}): string {
  const installDir = opts.installDir ?? LINUX_INSTALL_DIR;
  const loc = documentedLocations('linux');
  const user = opts.user ?? SERVICE_NAME;
  const configDir = posix.dirname(opts.configFile ?? loc.configFile);
  const configFile = opts.configFile ?? loc.configFile;
  const dataDir = opts.dataDir ?? loc.dataDir;
  return `#!/bin/sh
# ${SERVICE_DISPLAY_NAME}: after install or upgrade (docs/service.md).
set -e
chmod 4755 ${sh(posix.join(installDir, 'chrome-sandbox'))} || true
chmod 0755 ${sh(posix.join(installDir, 'resources', SERVICE_RESOURCES_DIR, 'vhr-agent-cli'))} || true
ln -sf ${sh(posix.join(installDir, 'resources', SERVICE_RESOURCES_DIR, 'vhr-agent-cli'))} /usr/bin/vhr-agent
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q || true

# The service's own account: no login, no home outside its data folder.
getent group ${user} >/dev/null 2>&1 || groupadd --system ${user}
getent passwd ${user} >/dev/null 2>&1 || useradd --system --gid ${user} --home-dir ${sh(dataDir)} --no-create-home --shell /usr/sbin/nologin --comment ${sh(`${SERVICE_DISPLAY_NAME} service`)} ${user}
install -d -m 0750 -o root -g ${user} ${sh(configDir)}
install -d -m 0700 -o ${user} -g ${user} ${sh(dataDir)}
[ -f ${sh(configFile)} ] && chgrp ${user} ${sh(configFile)} && chmod 0640 ${sh(configFile)} || true

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable ${SERVICE_NAME}.service || true
  # Starts only once the configuration exists (ConditionPathExists in the unit).
  systemctl restart ${SERVICE_NAME}.service || true
fi
exit 0
`;
}

/** deb prerm (fpm --before-remove): stop the service; on removal also disable it. */
export function debPrerm(): string {
  return `#!/bin/sh
# ${SERVICE_DISPLAY_NAME}: before removal or upgrade.
set -e
if [ -d /run/systemd/system ]; then
  systemctl stop ${SERVICE_NAME}.service || true
  if [ "$1" = remove ] || [ "$1" = purge ]; then systemctl disable ${SERVICE_NAME}.service || true; fi
fi
exit 0
`;
}

/**
 * deb postrm (electron-builder `deb.afterRemove`): the command link goes; on purge the account
 * goes too. The configuration and the data folder are never deleted: they are the hospital's
 * records queue and keys (docs/service.md, backups).
 */
export function debPostrm(opts: LinuxServiceOptions = {}): string {
  const user = opts.user ?? SERVICE_NAME;
  return `#!/bin/sh
# ${SERVICE_DISPLAY_NAME}: after removal.
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
  rm -f /usr/bin/vhr-agent
  [ -d /run/systemd/system ] && systemctl daemon-reload || true
fi
if [ "$1" = purge ]; then
  getent passwd ${user} >/dev/null 2>&1 && userdel ${user} || true
fi
exit 0
`;
}

/** `vhr-agent` on PATH for Linux: the packaged binary in Node mode on the bundled CLI. */
export function linuxCliLauncher(opts: Pick<LinuxServiceOptions, 'installDir'> = {}): string {
  const installDir = opts.installDir ?? LINUX_INSTALL_DIR;
  return `#!/bin/sh
# The vhr-agent command line (run, status, users, …) from the installed app.
ELECTRON_RUN_AS_NODE=1 exec ${sh(posix.join(installDir, LINUX_EXECUTABLE))} ${sh(posix.join(installDir, ...CLI_IN_RESOURCES))} "$@"
`;
}

/** `vhr-agent.cmd` for Windows, in resources\service of the installed app. */
export function windowsCliLauncher(): string {
  return [
    '@echo off',
    'rem The vhr-agent command line (run, status, users, ...) from the installed app.',
    'setlocal',
    'set ELECTRON_RUN_AS_NODE=1',
    `"%~dp0..\\..\\${WINDOWS_EXECUTABLE}" "%~dp0..\\${win32.join(...CLI_IN_RESOURCES.slice(1))}" %*`,
    '',
  ].join('\r\n');
}

export interface WindowsServiceOptions {
  /** The account the service runs as; LocalService by default (no administrator rights). */
  account?: { domain: string; user: string };
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The WinSW (2.x) arguments after the executable; %BASE% is the folder of the service wrapper, resources\service. */
export function windowsServiceArguments(): string {
  const configFile = win32.join('%ProgramData%', 'vhr-agent', 'config.yaml');
  return `"%BASE%\\..\\${win32.join(...CLI_IN_RESOURCES.slice(1))}" run --quiet --config "${configFile}"`;
}

/**
 * The WinSW definition, `vhr-agent-service.xml` beside `vhr-agent-service.exe` (the WinSW 2
 * binary that the node-windows package ships in the npm registry). Paths are expanded by WinSW
 * at start: %BASE% (its own folder) and %ProgramData%, so the file is the same for any
 * installation folder. LocalService is a built-in account without administrator rights; the
 * installer gives it the data folder (docs/service.md). Ctrl+C on stop, as `vhr-agent run` expects.
 */
export function winswXml(opts: WindowsServiceOptions = {}): string {
  const account = opts.account ?? { domain: 'NT AUTHORITY', user: 'LocalService' };
  const root = win32.join('%ProgramData%', 'vhr-agent');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${xmlText(SERVICE_DISPLAY_NAME)}: the headless agent as a Windows service (docs/service.md). -->
<service>
  <id>${SERVICE_NAME}</id>
  <name>${xmlText(SERVICE_DISPLAY_NAME)}</name>
  <description>${xmlText(SERVICE_DESCRIPTION)}</description>
  <executable>%BASE%\\..\\..\\${xmlText(WINDOWS_EXECUTABLE)}</executable>
  <arguments>${xmlText(windowsServiceArguments())}</arguments>
  <env name="ELECTRON_RUN_AS_NODE" value="1"/>
  <env name="VHR_AGENT_CONFIG" value="${xmlText(win32.join(root, 'config.yaml'))}"/>
  <workingdirectory>${xmlText(win32.join(root, 'data'))}</workingdirectory>
  <startmode>Automatic</startmode>
  <delayedAutoStart/>
  <depend>Tcpip</depend>
  <serviceaccount>
    <domain>${xmlText(account.domain)}</domain>
    <user>${xmlText(account.user)}</user>
    <allowservicelogon>true</allowservicelogon>
  </serviceaccount>
  <onfailure action="restart" delay="10 sec"/>
  <onfailure action="restart" delay="30 sec"/>
  <onfailure action="restart" delay="60 sec"/>
  <resetfailure>1 hour</resetfailure>
  <stoptimeout>60 sec</stoptimeout>
  <stopparentprocessfirst>true</stopparentprocessfirst>
  <logpath>${xmlText(win32.join(root, 'data', 'logs', 'service'))}</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
</service>
`;
}

/** Every generated file, by its name under build/service/ (what electron-builder packs). */
export function serviceFiles(): Record<string, string> {
  return {
    [`${SERVICE_NAME}.service`]: systemdUnit(),
    'deb-postinst.sh': debPostinst(),
    'deb-prerm.sh': debPrerm(),
    'deb-postrm.sh': debPostrm(),
    'vhr-agent-cli': linuxCliLauncher(),
    'vhr-agent.cmd': windowsCliLauncher(),
    [`${WINSW_BASENAME}.xml`]: winswXml(),
  };
}

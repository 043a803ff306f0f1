// Electron main process (DESIGN §2): thin. Single instance; attached to the agent of the
// configuration when one runs (the service, docs/service.md: main/viewer/attach.ts), else the
// agent core in a utility process; one hardened window showing the UI the agent serves, a tray
// icon showing its health, start at login, updates. No business logic lives here.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, session, shell, Tray, utilityProcess, type UtilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { loadConfigFile } from '../config/load.js';
import { loadPinnedPublicKey } from '../config/managed/signing.js';
import { fileURLToPath } from 'node:url';
import type { ApiInfo } from '../api/contract.js';
import { callAgent } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';
import type { HealthLevel } from '../api/health.js';
import { AttachError, attachOrStart, trayHealth, type AgentSession } from '../viewer/attach.js';
import type { CoreMessage } from './core.js';
import { resolveConfigPath } from '../service/locations.js';
import { TRAY_TOOLTIP, trayBitmap } from './trayIcon.js';
import { startUpdater } from './updater.js';
import { allowNavigation, allowPermission, CREDENTIALS_CHANNEL, mayReceiveCredentials, OPEN_ERROR_FOLDER_CHANNEL, statusWindowOptions, WINDOW_CSP, WINDOW_OPEN_REPLY } from './windowOptions.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const headless = process.argv.includes('--headless');
const HEALTH_POLL_MS = 15_000;

let core: UtilityProcess | undefined;
let api: ApiInfo | undefined;
let agentSession: AgentSession | undefined;
let win: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;

/** `--config`, else VHR_AGENT_CONFIG, else the documented file the service reads too (docs/service.md). */
function configPath(): string {
  const i = process.argv.indexOf('--config');
  return resolveConfigPath(i >= 0 ? process.argv[i + 1] : undefined);
}

/** The core's refusal, with its code (DATA_DIR_LOCKED: another agent holds the data folder). */
class CoreStartError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function startCore(config: string): Promise<ApiInfo> {
  return new Promise((resolve, reject) => {
    core = utilityProcess.fork(join(here, 'core.js'), ['--config', config], { serviceName: 'vhr-agent-core', stdio: 'inherit' });
    core.on('message', (m: CoreMessage) => {
      if (m.type === 'ready') resolve(m.api);
      else reject(new CoreStartError(m.message, m.code));
    });
    core.once('exit', (code) => {
      core = undefined;
      if (!quitting) reject(new Error(`the agent core stopped (exit code ${code})`));
    });
  });
}

function stopCore(): Promise<void> {
  const c = core;
  if (!c) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => c.kill(), 15_000);
    c.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    c.postMessage('stop');
  });
}

/** Every web contents: no navigation, no new windows, no webviews, no permissions. */
function harden(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(allowPermission(permission)));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [WINDOW_CSP] } });
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => WINDOW_OPEN_REPLY);
  });
  // The preload asks once for the API address and token; only the agent's own page gets them.
  ipcMain.on(CREDENTIALS_CHANNEL, (event) => {
    event.returnValue = api && mayReceiveCredentials(event.senderFrame?.url, api.url) ? { apiBaseUrl: api.url, token: api.token } : null;
  });
  // Only a folder the agent itself lists as an error folder is opened: the page cannot name another.
  ipcMain.handle(OPEN_ERROR_FOLDER_CHANNEL, async (event, folder: unknown) => {
    if (!api || typeof folder !== 'string' || !mayReceiveCredentials(event.senderFrame?.url, api.url)) return false;
    const res = await callAgent(api, ROUTES.errorFiles, { timeoutMs: 5000 });
    if (!res.ok || !res.body.items.some((f) => f.folder === folder)) return false;
    return (await shell.openPath(folder)) === '';
  });
}

function showWindow(): void {
  if (!api) return;
  if (win) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return;
  }
  win = new BrowserWindow(statusWindowOptions(join(here, 'preload.cjs')));
  win.once('ready-to-show', () => win?.show());
  win.on('close', (e) => {
    // Closing the window keeps the agent running in the tray; "Thoát" in the tray quits.
    if (!quitting) {
      e.preventDefault();
      win?.hide();
    }
  });
  win.on('closed', () => (win = undefined));
  void win.loadURL(`${api.url}/#/overview`);
}

function setTrayHealth(level: HealthLevel | 'starting'): void {
  tray?.setImage(nativeImage.createFromBitmap(trayBitmap(level), { width: 32, height: 32 }));
  tray?.setToolTip(TRAY_TOOLTIP[level]);
}

function buildMenu(): Menu {
  return Menu.buildFromTemplate([
    ...(agentSession?.mode === 'viewer' ? [{ label: 'Đang xem dịch vụ nền / Showing the background service', enabled: false }] : []),
    { label: 'Mở bảng trạng thái / Open status', click: showWindow },
    {
      label: 'Tự khởi động khi đăng nhập / Start at login',
      type: 'checkbox',
      checked: app.getLoginItemSettings().openAtLogin,
      click: (item) => {
        app.setLoginItemSettings({ openAtLogin: item.checked });
        tray?.setContextMenu(buildMenu());
      },
    },
    { type: 'separator' },
    { label: 'Thoát / Quit', click: () => app.quit() },
  ]);
}

function buildTray(): void {
  tray = new Tray(nativeImage.createFromBitmap(trayBitmap('starting'), { width: 32, height: 32 }));
  setTrayHealth('starting');
  tray.setContextMenu(buildMenu());
  tray.on('click', showWindow);
}

async function pollHealth(): Promise<void> {
  if (!agentSession) return;
  const { level, session: now } = await trayHealth(agentSession);
  // The service restarted on another address: follow it (the window reloads from there).
  if (now.api.url !== agentSession.api.url) {
    agentSession = now;
    api = now.api;
    void win?.loadURL(`${api.url}/#/overview`);
  }
  setTrayHealth(level);
}

/** The agent's health check after a start: its status API answers with its own token. */
async function agentAnswers(info: ApiInfo): Promise<boolean> {
  try {
    return (await callAgent(info, ROUTES.status, { timeoutMs: 10_000 })).ok;
  } catch {
    return false;
  }
}

/** The update feed the ministry's configuration names, if any. */
/** The ministry's pinned key from the local config (`managed.publicKey`): it also signs app updates. */
function ministryKey(config: string): KeyObject | undefined {
  try {
    const key = loadConfigFile(config).managed?.publicKey;
    return key ? loadPinnedPublicKey(key, dirname(config)) : undefined;
  } catch (err) {
    console.warn(`the ministry public key cannot be read, so no update will be installed: ${(err as Error).message}`);
    return undefined;
  }
}

async function ministryFeedUrl(info: ApiInfo): Promise<string | undefined> {
  try {
    const res = await callAgent(info, ROUTES.managedConfig, { timeoutMs: 10_000 });
    const updates = res.ok ? (res.body.document as { updates?: { url?: string } } | null)?.updates : undefined;
    return updates?.url;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', showWindow);
  await app.whenReady();
  harden();
  const config = configPath();
  if (!existsSync(config)) {
    dialog.showErrorBox(
      'VHR Agent',
      `Chưa có tệp cấu hình tại:\n${config}\n\nNhờ bộ phận CNTT tạo tệp này (xem hướng dẫn cài đặt), rồi mở lại phần mềm.\n\nNo configuration file at this path. Ask IT to create it (see the install guide), then start the app again.`,
    );
    app.quit();
    return;
  }
  if (!headless) buildTray();
  try {
    agentSession = await attachOrStart(config, startCore);
    api = agentSession.api;
    tray?.setContextMenu(buildMenu());
  } catch (err) {
    if (err instanceof AttachError) {
      dialog.showErrorBox('VHR Agent', err.message);
      app.quit();
      return;
    }
    // Another agent holds the data folder: its message (both languages) says which and what to do.
    if (err instanceof CoreStartError && err.code === 'DATA_DIR_LOCKED') {
      dialog.showErrorBox('VHR Agent', err.message);
      app.quit();
      return;
    }
    // An update that cannot start the agent is rolled back (updater.ts) before giving up.
    if (app.isPackaged) startUpdater({ log: { info: (m) => console.log(m), warn: (m) => console.warn(m) }, healthy: false, publicKey: ministryKey(config) });
    dialog.showErrorBox('VHR Agent', `Không khởi động được phần mềm đồng bộ:\n${(err as Error).message}\n\nKiểm tra tệp cấu hình và nhật ký trong thư mục dữ liệu (logs/).\nThe agent could not start; check the configuration and the logs.`);
    app.quit();
    return;
  }
  if (app.isPackaged) startUpdater({ log: { info: (m) => console.log(m), warn: (m) => console.warn(m) }, healthy: await agentAnswers(api), feedUrl: await ministryFeedUrl(api), publicKey: ministryKey(config) });
  if (headless) return;
  showWindow();
  void pollHealth();
  setInterval(() => void pollHealth(), HEALTH_POLL_MS).unref();
}

app.on('before-quit', (e) => {
  if (quitting) return;
  quitting = true;
  e.preventDefault();
  void stopCore().finally(() => app.exit(0));
});
// The tray (or the service) keeps the app alive without windows.
app.on('window-all-closed', () => undefined);

void main();

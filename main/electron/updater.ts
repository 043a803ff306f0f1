// App updates (DESIGN §7): electron-updater with the generic provider written into the
// package by electron-builder.yml; `VHR_UPDATE_URL` points one machine elsewhere (a local
// mirror for sites without internet). Downloads in the background, installs on quit.
import electronUpdater from 'electron-updater';

const CHECK_EVERY_MS = 6 * 3_600_000;

export interface UpdaterLog {
  info(message: string): void;
  warn(message: string): void;
}

export function startUpdater(log: UpdaterLog): () => void {
  const { autoUpdater } = electronUpdater;
  const override = process.env.VHR_UPDATE_URL;
  if (override) autoUpdater.setFeedURL({ provider: 'generic', url: override });
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.on('update-downloaded', (info) => log.info(`update ${info.version} downloaded; it installs when the app quits`));
  autoUpdater.on('error', (err) => log.warn(`update check failed: ${err.message}`));
  const check = () => void autoUpdater.checkForUpdates().catch((err: Error) => log.warn(`update check failed: ${err.message}`));
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  return () => clearInterval(timer);
}

// App updates (DESIGN §7): electron-updater with a generic provider. The feed is the one in
// the package (electron-builder.yml), or the ministry's (`updates.url` of the managed
// configuration), or `VHR_UPDATE_URL` for one machine (a local mirror). Releases may be
// staged by the publisher (`stagingPercentage` in latest.yml). A download installs when the
// app quits; after the restart the agent must prove healthy, otherwise the version is marked
// bad and the previous release is fetched from `<feed>/rollback` (updatePolicy.ts).
import electronUpdater from 'electron-updater';
import { app } from 'electron';
import { join } from 'node:path';
import { afterStart, beforeInstall, mayInstall, readLedger, rollbackFeedUrl, writeLedger } from './updatePolicy.js';

const CHECK_EVERY_MS = 6 * 3_600_000;

export interface UpdaterLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface UpdaterOptions {
  log: UpdaterLog;
  /** Feed set by the ministry's configuration, if any. */
  feedUrl?: string;
  /** Whether the agent started and answers (decides confirm vs roll back after an update). */
  healthy: boolean;
}

export function startUpdater(opts: UpdaterOptions): () => void {
  const { log } = opts;
  const { autoUpdater } = electronUpdater;
  const ledgerPath = join(app.getPath('userData'), 'updates.json');
  const feed = process.env.VHR_UPDATE_URL ?? opts.feedUrl;
  if (feed) autoUpdater.setFeedURL({ provider: 'generic', url: feed });

  const { ledger, verdict } = afterStart(readLedger(ledgerPath), app.getVersion(), opts.healthy);
  writeLedger(ledgerPath, ledger);
  if (verdict.action === 'confirmed') log.info(`update to ${verdict.version} confirmed healthy`);
  if (verdict.action === 'install_failed') log.warn(verdict.message);
  if (verdict.action === 'rollback') {
    log.warn(verdict.message);
    if (feed) {
      autoUpdater.setFeedURL({ provider: 'generic', url: rollbackFeedUrl(feed) });
      autoUpdater.allowDowngrade = true;
    }
  }

  autoUpdater.autoDownload = true;
  // Installing is decided here, not by electron-updater: a version that failed before is skipped.
  autoUpdater.autoInstallOnAppQuit = false;
  let downloaded: string | undefined;
  autoUpdater.on('update-downloaded', (info) => {
    if (!mayInstall(readLedger(ledgerPath), info.version)) {
      log.warn(`update ${info.version} failed here before; it will not be installed`);
      return;
    }
    downloaded = info.version;
    log.info(`update ${info.version} downloaded; it installs when the app quits`);
  });
  autoUpdater.on('error', (err) => log.warn(`update check failed: ${err.message}`));
  app.on('before-quit', () => {
    if (!downloaded) return;
    writeLedger(ledgerPath, beforeInstall(readLedger(ledgerPath), app.getVersion(), downloaded, new Date()));
    autoUpdater.quitAndInstall(true, false);
  });
  const check = () => void autoUpdater.checkForUpdates().catch((err: Error) => log.warn(`update check failed: ${err.message}`));
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  return () => clearInterval(timer);
}

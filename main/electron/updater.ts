// App updates (DESIGN §7): electron-updater with a generic provider. The feed is the one in
// the package (electron-builder.yml), or the ministry's (`updates.url` of the managed
// configuration); https only, and `VHR_UPDATE_URL` only in development (updatePolicy.ts).
// Nothing installs before its detached Ed25519 signature checks against the ministry's pinned
// key (artifactSignature.ts) — on Windows in addition to the installer's Authenticode check
// (`publisherName` in electron-builder.yml). A downgrade needs a rollback signature. Releases may be
// staged by the publisher (`stagingPercentage` in latest.yml). A download installs when the
// app quits; after the restart the agent must prove healthy, otherwise the version is marked
// bad and the previous release is fetched from `<feed>/rollback` (updatePolicy.ts).
import electronUpdater from 'electron-updater';
import { app } from 'electron';
import type { KeyObject } from 'node:crypto';
import { basename, join } from 'node:path';
import { ArtifactRejected, signatureUrl, verifyArtifact } from './artifactSignature.js';
import { afterStart, beforeInstall, chooseUpdateFeed, mayInstall, readLedger, rollbackFeedUrl, writeLedger } from './updatePolicy.js';

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
  /** The ministry's pinned key (config `managed.publicKey`): without it no update is installed. */
  publicKey?: KeyObject;
}

export function startUpdater(opts: UpdaterOptions): () => void {
  const { log } = opts;
  const { autoUpdater } = electronUpdater;
  const ledgerPath = join(app.getPath('userData'), 'updates.json');
  const chosen = chooseUpdateFeed({ packaged: app.isPackaged, envUrl: process.env.VHR_UPDATE_URL, ministryUrl: opts.feedUrl });
  for (const w of chosen.warnings) log.warn(w);
  let feed = chosen.url;
  autoUpdater.setFeedURL({ provider: 'generic', url: feed });
  autoUpdater.allowDowngrade = false;

  const { ledger, verdict } = afterStart(readLedger(ledgerPath), app.getVersion(), opts.healthy);
  writeLedger(ledgerPath, ledger);
  if (verdict.action === 'confirmed') log.info(`update to ${verdict.version} confirmed healthy`);
  if (verdict.action === 'install_failed') log.warn(verdict.message);
  if (verdict.action === 'rollback') {
    log.warn(verdict.message);
    // electron-updater may fetch an older version; installing it still needs a rollback signature.
    feed = rollbackFeedUrl(feed);
    autoUpdater.setFeedURL({ provider: 'generic', url: feed });
    autoUpdater.allowDowngrade = true;
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
    void checkSignature(feed, info.downloadedFile, info.version, opts.publicKey).then(
      () => {
        downloaded = info.version;
        log.info(`update ${info.version} downloaded and its signature checked; it installs when the app quits`);
      },
      (err: Error) => log.warn(`update ${info.version} will not be installed: ${err.message}`),
    );
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

/** Fetches `<file>.sig` from the feed and checks the downloaded file against it. */
async function checkSignature(feed: string, downloadedFile: string, version: string, publicKey: KeyObject | undefined): Promise<void> {
  if (!publicKey) throw new ArtifactRejected('no ministry public key is configured (managed.publicKey), so no update signature can be checked');
  const url = signatureUrl(feed, basename(downloadedFile));
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'error' });
  if (!res.ok) throw new ArtifactRejected(`no signature at ${url} (HTTP ${res.status})`);
  const signatureText = await res.text();
  await verifyArtifact({ path: downloadedFile, signatureText, publicKey, version, currentVersion: app.getVersion() });
}

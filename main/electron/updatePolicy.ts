// The rules of app updates, kept out of Electron so they are tested under plain Node
// (DESIGN §7): a downloaded version is installed only if it never failed here before; after
// the restart into it, the agent must prove healthy, otherwise the version is marked bad and
// the app rolls back to the version the update feed's rollback channel offers.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface UpdateLedger {
  /** An install handed to the installer, not yet confirmed by a healthy start. */
  pending?: { from: string; to: string; at: string };
  /** Versions that failed their health check here: never installed again. */
  badVersions: string[];
  lastHealthy?: string;
}

export type StartVerdict =
  | { action: 'none' }
  | { action: 'confirmed'; version: string }
  | { action: 'install_failed'; version: string; message: string }
  | { action: 'rollback'; badVersion: string; message: string };

export function readLedger(path: string): UpdateLedger {
  if (!existsSync(path)) return { badVersions: [] };
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<UpdateLedger>;
    return { pending: doc.pending, badVersions: Array.isArray(doc.badVersions) ? doc.badVersions : [], lastHealthy: doc.lastHealthy };
  } catch {
    // A damaged ledger must not block the app: start over, forgetting only update history.
    return { badVersions: [] };
  }
}

export function writeLedger(path: string, ledger: UpdateLedger): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(ledger, null, 2));
  renameSync(`${path}.tmp`, path);
}

export function mayInstall(ledger: UpdateLedger, version: string): boolean {
  return !ledger.badVersions.includes(version);
}

/** Called right before quitting into the installer. */
export function beforeInstall(ledger: UpdateLedger, from: string, to: string, now: Date): UpdateLedger {
  return { ...ledger, pending: { from, to, at: now.toISOString() } };
}

/** Called once the app has started and the agent's health is known. */
export function afterStart(ledger: UpdateLedger, running: string, healthy: boolean): { ledger: UpdateLedger; verdict: StartVerdict } {
  const p = ledger.pending;
  if (!p) return { ledger: healthy ? { ...ledger, lastHealthy: running } : ledger, verdict: { action: 'none' } };
  if (running === p.from) {
    const next = { ...ledger, pending: undefined };
    return { ledger: next, verdict: { action: 'install_failed', version: p.to, message: `the installer did not replace ${p.from} with ${p.to}` } };
  }
  if (healthy) {
    return { ledger: { ...ledger, pending: undefined, lastHealthy: running }, verdict: { action: 'confirmed', version: running } };
  }
  return {
    ledger: { ...ledger, pending: undefined, badVersions: [...new Set([...ledger.badVersions, running])] },
    verdict: { action: 'rollback', badVersion: running, message: `version ${running} failed its health check after the update; returning to ${ledger.lastHealthy ?? p.from}` },
  };
}

/** Where the previous good release is published: `<feed>/rollback/latest.yml`. */
export function rollbackFeedUrl(feedUrl: string): string {
  return `${feedUrl.replace(/\/+$/, '')}/rollback`;
}

/** The feed built into the package (electron-builder.yml `publish.url`, `${os}` as electron-builder names it). */
export function packagedFeedUrl(platform: NodeJS.Platform = process.platform): string {
  const os = platform === 'win32' ? 'win' : platform === 'darwin' ? 'mac' : 'linux';
  return `https://updates.vhr.moh.gov.vn/agent/${os}/`;
}

/**
 * Which update feed the shell uses. `VHR_UPDATE_URL` is for development only: a packaged app
 * ignores it (otherwise anyone able to set an environment variable could choose what gets
 * installed). Any feed must be https://; one that is not is refused with a warning and the
 * packaged feed is used. The feed only says what exists: nothing installs unless its detached
 * signature checks (artifactSignature.ts).
 */
export function chooseUpdateFeed(opts: { packaged: boolean; envUrl?: string; ministryUrl?: string; platform?: NodeJS.Platform }): { url: string; warnings: string[] } {
  const warnings: string[] = [];
  const candidates: [string, string | undefined][] = [['the ministry configuration (updates.url)', opts.ministryUrl]];
  if (opts.envUrl) {
    if (opts.packaged) warnings.push('VHR_UPDATE_URL is ignored: it is honoured only in development builds');
    else candidates.unshift(['VHR_UPDATE_URL', opts.envUrl]);
  }
  for (const [where, url] of candidates) {
    if (!url) continue;
    if (isHttpsUrl(url)) return { url, warnings };
    warnings.push(`the update feed from ${where} is refused: only https:// feeds are used (got ${JSON.stringify(url)})`);
  }
  return { url: packagedFeedUrl(opts.platform), warnings };
}

export function isHttpsUrl(url: string): boolean {
  return URL.canParse(url) && new URL(url).protocol === 'https:';
}

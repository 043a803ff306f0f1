// App updates, headless side (DESIGN §7): reads the electron-updater generic-provider feed
// (`<url>/latest.yml`, `latest-linux.yml`, `latest-mac.yml`) and says whether a newer release
// exists. The headless agent only reports it (status API, log); the Electron shell downloads,
// stages and installs through electron-updater, and can use checkForUpdate() for the same
// verdict so both sides agree.
import { parse as parseYaml } from 'yaml';
import { compareVersions, isVersion } from './versions.js';

export interface UpdateFeed {
  /** Base URL of the generic provider, as in electron-builder's `publish: { provider: generic, url }`. */
  url: string;
  channel: string;
}

export interface UpdateCheck {
  available: boolean;
  /** Latest version in the feed. */
  version: string;
  currentVersion: string;
  releaseDate?: string;
  /** Installer file named by the feed (relative to the feed URL). */
  path?: string;
  sha512?: string;
}

export class UpdateCheckError extends Error {
  override name = 'UpdateCheckError';
}

/** The channel file electron-updater reads for this platform (its generic-provider naming). */
export function channelFileName(channel: string, platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  if (platform === 'darwin') return `${channel}-mac.yml`;
  if (platform === 'linux') return arch === 'x64' ? `${channel}-linux.yml` : `${channel}-linux-${arch}.yml`;
  return `${channel}.yml`;
}

export function channelFileUrl(feed: UpdateFeed, platform?: NodeJS.Platform, arch?: string): string {
  return new URL(channelFileName(feed.channel, platform, arch), feed.url.endsWith('/') ? feed.url : `${feed.url}/`).toString();
}

/** Reads a channel file's text: `version` is required; `path`/`files[0].url` and `sha512` when given. */
export function parseChannelFile(text: string, currentVersion: string): UpdateCheck {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UpdateCheckError(`the update feed is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const version = d.version === undefined ? '' : String(d.version);
  if (!isVersion(version)) throw new UpdateCheckError(`the update feed names no release version (version: ${JSON.stringify(d.version)})`);
  const files = Array.isArray(d.files) ? (d.files as Record<string, unknown>[]) : [];
  const path = typeof d.path === 'string' ? d.path : typeof files[0]?.url === 'string' ? (files[0].url as string) : undefined;
  const sha512 = typeof d.sha512 === 'string' ? d.sha512 : typeof files[0]?.sha512 === 'string' ? (files[0].sha512 as string) : undefined;
  return {
    available: compareVersions(version, currentVersion) > 0,
    version,
    currentVersion,
    releaseDate: typeof d.releaseDate === 'string' ? d.releaseDate : undefined,
    path,
    sha512,
  };
}

export async function checkForUpdate(feed: UpdateFeed, currentVersion: string, opts: { timeoutMs?: number; platform?: NodeJS.Platform; arch?: string } = {}): Promise<UpdateCheck> {
  const url = channelFileUrl(feed, opts.platform, opts.arch);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new UpdateCheckError(`cannot reach the update feed at ${url} (${e.cause?.code ?? e.message})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new UpdateCheckError(`the update feed at ${url} answered HTTP ${res.status}`);
  }
  return parseChannelFile(await res.text(), currentVersion);
}

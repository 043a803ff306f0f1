import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelFileName, channelFileUrl, checkForUpdate, parseChannelFile, UpdateCheckError } from './updates.js';

const LATEST = `version: 0.3.0
files:
  - url: vhr-agent-Setup-0.3.0.exe
    sha512: abc==
    size: 81234567
path: vhr-agent-Setup-0.3.0.exe
sha512: abc==
releaseDate: '2026-03-02T03:00:00.000Z'
`;

let server: Server;
let base: string;
const served = new Map<string, string>();
beforeEach(async () => {
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/updates`;
});
afterEach(async () => {
  served.clear();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('update feed (electron-updater generic provider)', () => {
  it('names the channel file per platform as electron-updater does', () => {
    expect(channelFileName('latest', 'win32', 'x64')).toBe('latest.yml');
    expect(channelFileName('latest', 'linux', 'x64')).toBe('latest-linux.yml');
    expect(channelFileName('beta', 'linux', 'arm64')).toBe('beta-linux-arm64.yml');
    expect(channelFileName('latest', 'darwin', 'arm64')).toBe('latest-mac.yml');
    expect(channelFileUrl({ url: 'https://u.example/vhr', channel: 'latest' }, 'win32')).toBe('https://u.example/vhr/latest.yml');
  });

  it('reports a newer release, and none when the agent is current', async () => {
    served.set('/updates/latest.yml', LATEST);
    const feed = { url: base, channel: 'latest' };
    expect(await checkForUpdate(feed, '0.2.1', { platform: 'win32' })).toEqual({
      available: true,
      version: '0.3.0',
      currentVersion: '0.2.1',
      releaseDate: '2026-03-02T03:00:00.000Z',
      path: 'vhr-agent-Setup-0.3.0.exe',
      sha512: 'abc==',
    });
    expect((await checkForUpdate(feed, '0.3.0', { platform: 'win32' })).available).toBe(false);
  });

  it('says why a feed cannot be read', async () => {
    await expect(checkForUpdate({ url: base, channel: 'latest' }, '0.1.0', { platform: 'linux', arch: 'x64' })).rejects.toThrow(/answered HTTP 404/);
    expect(() => parseChannelFile('files: []', '0.1.0')).toThrow(UpdateCheckError);
    await expect(checkForUpdate({ url: 'http://127.0.0.1:1/feed', channel: 'latest' }, '0.1.0')).rejects.toThrow(/cannot reach the update feed/);
  });
});

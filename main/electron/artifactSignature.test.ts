// Update integrity (docs/security.md): nothing installs unless its detached Ed25519 signature
// (the ministry's key scheme) matches the downloaded bytes, and a downgrade only when signed as
// a rollback; feeds are https only and VHR_UPDATE_URL is ignored by packaged apps.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generateSigningKeys, parsePrivateKey, parsePublicKey, signDocument } from '../config/managed/signing.js';
import { signArtifact, signatureUrl, verifyArtifact } from './artifactSignature.js';
import { chooseUpdateFeed, packagedFeedUrl } from './updatePolicy.js';
import { tempDir } from '../../test/support/tempDir.js';

const ministry = generateSigningKeys();
const other = generateSigningKeys();
const publicKey = parsePublicKey(ministry.publicKeyPem);

async function release(version: string, opts: { rollback?: boolean; key?: string } = {}) {
  const tmp = tempDir('vhr-artifact-');
  const path = join(tmp.path, `vhr-agent-setup-${version}.exe`);
  writeFileSync(path, Buffer.from(`installer bytes of ${version}`.repeat(1000)));
  const envelope = await signArtifact(path, { file: `vhr-agent-setup-${version}.exe`, version, rollback: opts.rollback }, parsePrivateKey(opts.key ?? ministry.privateKeyPem));
  return { path, signatureText: JSON.stringify(envelope), cleanup: tmp.cleanup };
}

describe('detached artifact signatures', () => {
  it('accepts a newer release whose bytes are the signed ones; the statement names size and sha512', async () => {
    const r = await release('1.5.0');
    const statement = await verifyArtifact({ path: r.path, signatureText: r.signatureText, publicKey, version: '1.5.0', currentVersion: '1.4.2' });
    const bytes = readFileSync(r.path);
    expect(statement).toEqual({
      kind: 'vhr-update-artifact/1',
      file: 'vhr-agent-setup-1.5.0.exe',
      version: '1.5.0',
      size: bytes.length,
      sha512: createHash('sha512').update(bytes).digest('base64'),
      rollback: false,
    });
    r.cleanup();
  });

  it('refuses altered bytes, another key, another version, and a signed config document passed off as a statement', async () => {
    const r = await release('1.5.0');
    const check = (over: Partial<Parameters<typeof verifyArtifact>[0]>) => verifyArtifact({ path: r.path, signatureText: r.signatureText, publicKey, version: '1.5.0', currentVersion: '1.4.2', ...over });
    await expect(check({ version: '1.6.0' })).rejects.toThrow('the signature is for version 1.5.0, but the download is announced as 1.6.0');
    await expect(check({ publicKey: parsePublicKey(other.publicKeyPem) })).rejects.toThrow(/^signature refused: signed with another key/);
    const foreign = await release('1.5.0', { key: other.privateKeyPem });
    await expect(check({ signatureText: foreign.signatureText })).rejects.toThrow(/^signature refused: signed with another key/);
    const configDoc = signDocument(Buffer.from(JSON.stringify({ version: 7, updates: { url: 'https://x/' } })), parsePrivateKey(ministry.privateKeyPem));
    await expect(check({ signatureText: JSON.stringify(configDoc) })).rejects.toThrow('the signed document is not an update artifact statement (kind undefined)');
    const bytes = readFileSync(r.path);
    bytes[100] ^= 1;
    writeFileSync(r.path, bytes);
    await expect(check({})).rejects.toThrow(/is not the signed vhr-agent-setup-1\.5\.0\.exe .*: altered or substituted/);
    r.cleanup();
    foreign.cleanup();
  });

  it('allows an older version only when it is signed as a rollback, and never the running version', async () => {
    const plain = await release('1.3.0');
    await expect(verifyArtifact({ path: plain.path, signatureText: plain.signatureText, publicKey, version: '1.3.0', currentVersion: '1.4.0' })).rejects.toThrow(
      'version 1.3.0 is older than the running 1.4.0 and is not signed as a rollback: downgrade refused',
    );
    await expect(verifyArtifact({ path: plain.path, signatureText: plain.signatureText, publicKey, version: '1.3.0', currentVersion: '1.3.0' })).rejects.toThrow('version 1.3.0 is already running');
    const rollback = await release('1.3.0', { rollback: true });
    expect((await verifyArtifact({ path: rollback.path, signatureText: rollback.signatureText, publicKey, version: '1.3.0', currentVersion: '1.4.0' })).rollback).toBe(true);
    plain.cleanup();
    rollback.cleanup();
  });

  it('publishes the signature beside the file in the feed', () => {
    expect(signatureUrl('https://updates.example.vn/agent/win', 'vhr-agent-setup-1.5.0.exe')).toBe('https://updates.example.vn/agent/win/vhr-agent-setup-1.5.0.exe.sig');
  });
});

describe('update feed choice', () => {
  it('uses https feeds only and ignores VHR_UPDATE_URL in a packaged app', () => {
    expect(chooseUpdateFeed({ packaged: true, envUrl: 'https://evil.example/', ministryUrl: 'https://moh.example/feed/', platform: 'win32' })).toEqual({
      url: 'https://moh.example/feed/',
      warnings: ['VHR_UPDATE_URL is ignored: it is honoured only in development builds'],
    });
    expect(chooseUpdateFeed({ packaged: false, envUrl: 'https://mirror.local/', ministryUrl: 'https://moh.example/feed/' }).url).toBe('https://mirror.local/');
    expect(chooseUpdateFeed({ packaged: true, ministryUrl: 'http://moh.example/feed/', platform: 'linux' })).toEqual({
      url: 'https://updates.vhr.moh.gov.vn/agent/linux/',
      warnings: ['the update feed from the ministry configuration (updates.url) is refused: only https:// feeds are used (got "http://moh.example/feed/")'],
    });
  });

  it('the packaged feed is the one electron-builder.yml publishes, https, with Windows signing enforced', () => {
    const builder = parseYaml(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8')) as Record<string, any>;
    expect(builder.publish.url.replace('${os}', 'win')).toBe(packagedFeedUrl('win32'));
    expect(builder.publish.url.replace('${os}', 'linux')).toBe(packagedFeedUrl('linux'));
    expect(builder.forceCodeSigning).toBe(true);
    expect(builder.win.verifyUpdateCodeSignature).toBe(true);
    expect(builder.win.signtoolOptions.publisherName.length).toBeGreaterThan(0);
    // The certificate comes from CI secrets (CSC_LINK / WIN_CSC_LINK), never from the repository.
    expect(JSON.stringify(builder)).not.toMatch(/certificateFile|certificatePassword/);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkVersion, ManagedStateError, ManagedStateFiles, type AppliedDocument } from './state.js';
import { compareVersions } from './versions.js';
import { defaultProfilePack } from '../../../connectors/profile-pack/index.js';
import { tempDir } from '../../../test/support/tempDir.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const applied = (version: number): AppliedDocument => ({
  version,
  digest: `d${version}`,
  keyId: 'k',
  source: 'poll',
  appliedAt: '2026-03-01T01:00:00.000Z',
  signed: { format: 'vhr-managed-config/1', keyId: 'k', payload: 'e30=', signature: 'AA==' },
});

describe('managed state on disk', () => {
  it('keeps the document in force, a pending import and the packs, owner-only', () => {
    const files = new ManagedStateFiles(tmp.path);
    expect(files.readCurrent()).toBeUndefined();
    files.writeCurrent(applied(3));
    expect(files.readCurrent()).toEqual(applied(3));
    expect(statSync(files.currentPath).mode & 0o777).toBe(0o600);

    files.writePending('{"signed":1}');
    expect(files.readPending()).toBe('{"signed":1}');
    files.clearPending(true);
    expect(files.readPending()).toBeUndefined();
    expect(existsSync(join(files.dir, 'pending.refused.json'))).toBe(true);

    files.writePack(2, defaultProfilePack());
    files.writePack(3, defaultProfilePack());
    files.prunePacks(3);
    expect(readdirSync(files.dir).filter((f) => f.startsWith('profile-pack')).sort()).toEqual(['profile-pack-v3.json']);
  });

  it('reports a damaged current.json instead of using it', () => {
    const files = new ManagedStateFiles(tmp.path);
    files.writeCurrent(applied(1));
    writeFileSync(files.currentPath, '{"version": "x"');
    expect(() => files.readCurrent()).toThrow(ManagedStateError);
  });
});

describe('versions only go forward', () => {
  it('accepts a newer version, treats the one in force as no change, refuses replays, rollbacks and reuse', () => {
    const current = { version: 4, digest: 'd4' };
    expect(checkVersion({ version: 5, digest: 'd5' }, current, 4)).toEqual({ ok: true, alreadyInForce: false });
    expect(checkVersion({ version: 4, digest: 'd4' }, current, 4)).toEqual({ ok: true, alreadyInForce: true });
    expect(checkVersion({ version: 3, digest: 'd3' }, current, 4)).toMatchObject({ ok: false, reason: expect.stringMatching(/older than version 4/) });
    expect(checkVersion({ version: 4, digest: 'other' }, current, 4)).toMatchObject({ ok: false, reason: expect.stringMatching(/already applied with other content/) });
    // The store remembers version 6 even though current.json says 4 (restored from a backup).
    expect(checkVersion({ version: 5, digest: 'd5' }, current, 6)).toMatchObject({ ok: false });
    expect(checkVersion({ version: 1, digest: 'd1' }, undefined, 0)).toEqual({ ok: true, alreadyInForce: false });
  });

  it('compares release versions the semver way', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBeGreaterThan(0);
    expect(compareVersions('1.2.0-beta.2', '1.2.0')).toBeLessThan(0);
    expect(compareVersions('1.2.0-beta.10', '1.2.0-beta.2')).toBeGreaterThan(0);
    expect(compareVersions('v1.2.3', '1.2.3+build.5')).toBe(0);
    expect(() => compareVersions('soon', '1.0.0')).toThrow(RangeError);
  });
});

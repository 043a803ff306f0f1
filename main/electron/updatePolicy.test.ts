import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterStart, beforeInstall, mayInstall, readLedger, rollbackFeedUrl, writeLedger } from './updatePolicy.js';
import { tempDir } from '../../test/support/tempDir.js';

const T = new Date('2026-11-25T02:00:00Z');

describe('app update policy', () => {
  it('confirms an update whose new version starts healthy', () => {
    const pending = beforeInstall({ badVersions: [], lastHealthy: '0.1.0' }, '0.1.0', '0.2.0', T);
    expect(pending.pending).toEqual({ from: '0.1.0', to: '0.2.0', at: T.toISOString() });
    expect(afterStart(pending, '0.2.0', true)).toEqual({ ledger: { badVersions: [], lastHealthy: '0.2.0', pending: undefined }, verdict: { action: 'confirmed', version: '0.2.0' } });
  });

  it('marks a version that fails its health check bad, rolls back, and never installs it again', () => {
    const pending = beforeInstall({ badVersions: [], lastHealthy: '0.1.0' }, '0.1.0', '0.2.0', T);
    const { ledger, verdict } = afterStart(pending, '0.2.0', false);
    expect(verdict).toEqual({ action: 'rollback', badVersion: '0.2.0', message: 'version 0.2.0 failed its health check after the update; returning to 0.1.0' });
    expect(ledger.badVersions).toEqual(['0.2.0']);
    expect([mayInstall(ledger, '0.2.0'), mayInstall(ledger, '0.2.1')]).toEqual([false, true]);
    expect(rollbackFeedUrl('https://updates.moh.example.vn/vhr-agent/')).toBe('https://updates.moh.example.vn/vhr-agent/rollback');
  });

  it('notices an installer that did not run', () => {
    const pending = beforeInstall({ badVersions: [] }, '0.1.0', '0.2.0', T);
    expect(afterStart(pending, '0.1.0', true).verdict).toEqual({ action: 'install_failed', version: '0.2.0', message: 'the installer did not replace 0.1.0 with 0.2.0' });
  });

  it('keeps its ledger on disk and survives a damaged one', () => {
    const tmp = tempDir('vhr-upd-');
    try {
      const path = join(tmp.path, 'updates.json');
      expect(readLedger(path)).toEqual({ badVersions: [] });
      writeLedger(path, { badVersions: ['0.2.0'], lastHealthy: '0.1.0' });
      expect(readLedger(path)).toEqual({ badVersions: ['0.2.0'], lastHealthy: '0.1.0', pending: undefined });
      writeFileSync(path, '{not json');
      expect(readLedger(path)).toEqual({ badVersions: [] });
    } finally {
      tmp.cleanup();
    }
  });
});

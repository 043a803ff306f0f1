// The building blocks of the LAN status screen: password hashing, lockout, roles, the
// generated certificate (checked by OpenSSL and by a real TLS handshake) and its config section.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { hashPassword, passwordProblem, SCRYPT_PARAMS, verifyPassword } from './passwords.js';
import { Lockout } from './lockout.js';
import { refusal } from './access.js';
import { fingerprintOf, generateSelfSignedCertificate } from './selfSignedCert.js';
import { ROUTES } from '../api/routeTable.js';
import { parseConfigText } from '../config/load.js';
import { lanSettings } from '../config/lanSettings.js';
import { tempDir } from '../../test/support/tempDir.js';

describe('passwords', () => {
  it('scrypt with the strong parameters and a salt of its own; only the right password verifies', async () => {
    const a = await hashPassword('mật khẩu đủ dài 1');
    const b = await hashPassword('mật khẩu đủ dài 1');
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(SCRYPT_PARAMS.N), '8', '2']);
    expect(SCRYPT_PARAMS.N * SCRYPT_PARAMS.r * 128).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(a).not.toBe(b);
    expect(await verifyPassword('mật khẩu đủ dài 1', a)).toBe(true);
    // The same text typed with combining marks (NFD) is the same password.
    expect(await verifyPassword('mật khẩu đủ dài 1'.normalize('NFD'), a)).toBe(true);
    expect(await verifyPassword('mật khẩu đủ dài 2', a)).toBe(false);
    expect(await verifyPassword('mật khẩu đủ dài 1', a.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('refuses short or trivial passwords with the reason', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('aaaaaaaaaaaa')).toMatch(/repeated/);
    expect(passwordProblem('lan.nguyen-2026', 'lan.nguyen')).toMatch(/user name/);
    expect(passwordProblem('ngựa-vằn-bảy-sắc')).toBeNull();
  });
});

describe('lockout', () => {
  it('locks an account after 5 wrong passwords, for 15 minutes, then counts afresh', () => {
    let now = 0;
    const l = new Lockout({ perAccount: 5, perClient: 20, lockMs: 15 * 60_000 }, () => now);
    for (let i = 0; i < 4; i++) expect(l.failure('Lan', '10.0.0.5')).toEqual({ locked: false });
    expect(l.failure('lan', '10.0.0.6')).toEqual({ locked: true, by: 'account', retryAfterMs: 15 * 60_000 });
    expect(l.check('LAN', '10.0.0.7').locked).toBe(true); // from any desk
    expect(l.check('hoa', '10.0.0.5')).toEqual({ locked: false }); // other accounts are not locked
    now += 15 * 60_000;
    expect(l.check('lan', '10.0.0.5')).toEqual({ locked: false });
    expect(l.failure('lan', '10.0.0.5')).toEqual({ locked: false });
  });

  it('locks a client address out after 20 wrong passwords across accounts; a success clears the counts', () => {
    let now = 0;
    const l = new Lockout({ perAccount: 5, perClient: 20, lockMs: 60_000 }, () => now);
    for (let i = 0; i < 19; i++) l.failure(`user${i}`, '10.0.0.9');
    expect(l.check('someone', '10.0.0.9')).toEqual({ locked: false });
    expect(l.failure('user19', '10.0.0.9')).toEqual({ locked: true, by: 'client', retryAfterMs: 60_000 });
    expect(l.check('hoa', '10.0.0.9').locked).toBe(true);
    expect(l.check('hoa', '10.0.0.10')).toEqual({ locked: false });
    for (let i = 0; i < 4; i++) l.failure('hoa', '10.0.0.10');
    l.success('hoa', '10.0.0.10');
    expect(l.failure('hoa', '10.0.0.10')).toEqual({ locked: false });
  });
});

describe('roles', () => {
  it('an officer views, retries, resends and cancels; only an administrator configures, tests or pauses', () => {
    expect(refusal('officer', ROUTES.overview, undefined)).toBeNull();
    expect(refusal('officer', ROUTES.records, undefined)).toBeNull();
    for (const action of ['retry_message', 'retry_rejected', 'resend', 'resend_matching', 'cancel']) expect(refusal('officer', ROUTES.act, { action })).toBeNull();
    expect(refusal('officer', ROUTES.act, { action: 'pause_destination' })).toMatch(/administrator/);
    expect(refusal('officer', ROUTES.act, { action: 'resume_destination' })).toMatch(/administrator/);
    expect(refusal('officer', ROUTES.act, {})).toMatch(/administrator/);
    for (const r of [ROUTES.importConfig, ROUTES.pollConfig, ROUTES.config, ROUTES.testConnection]) expect(refusal('officer', r, {})).toMatch(/administrator/);
    for (const r of [ROUTES.importConfig, ROUTES.config, ROUTES.act]) expect(refusal('admin', r, { action: 'pause_destination' })).toBeNull();
  });
});

describe('generated TLS certificate', () => {
  it('is a valid X.509 v3 server certificate for the names given, as OpenSSL reads it', () => {
    const tmp = tempDir('vhr-cert-');
    try {
      const c = generateSelfSignedCertificate({ names: ['vhr-server.bv.local', '192.168.1.20', '::1'], days: 30, now: new Date('2026-03-01T00:00:00Z') });
      const pem = join(tmp.path, 'cert.pem');
      writeFileSync(pem, c.certPem);
      const text = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-text'], { encoding: 'utf8' });
      expect(text).toMatch(/Version: 3/);
      expect(text).toMatch(/DNS:vhr-server\.bv\.local, IP Address:192\.168\.1\.20, IP Address:0:0:0:0:0:0:0:1/);
      expect(text).toMatch(/TLS Web Server Authentication/);
      expect(text).toMatch(/Not After : Mar 31 00:00:00 2026 GMT/);
      const fp = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().split('=')[1];
      expect(c.fingerprint256).toBe(fp);
      expect(fingerprintOf(c.certPem)).toBe(fp);
    } finally {
      tmp.cleanup();
    }
  });

  it('serves a TLS handshake that a client pinning the fingerprint accepts', async () => {
    const c = generateSelfSignedCertificate({ names: ['localhost', '127.0.0.1'] });
    const server = createServer({ cert: c.certPem, key: c.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const seen = await new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      expect(seen).toBe(c.fingerprint256);
    } finally {
      server.close();
    }
  });
});

describe('statusApi.lan', () => {
  const yaml = (lan: string) => `facility: { code: "94170" }\ndataDir: ./data\nstatusApi: { host: 127.0.0.1, lan: ${lan} }\n`;
  it('is off unless enabled; defaults to port 8443 with a generated certificate', () => {
    expect(lanSettings(parseConfigText(`facility: { code: "94170" }\ndataDir: ./data\n`, '/srv'))).toBeUndefined();
    expect(lanSettings(parseConfigText(yaml('{ enabled: false, host: 0.0.0.0 }'), '/srv'))).toBeUndefined();
    expect(lanSettings(parseConfigText(yaml('{ enabled: true }'), '/srv'))).toEqual({ host: '0.0.0.0', port: 8443, tls: 'generated', names: [], idleMinutes: 30, sessionHours: 12 });
    expect(lanSettings(parseConfigText(yaml('{ enabled: true, tls: { certFile: c.pem, keyFile: k.pem } }'), '/srv'))?.tls).toEqual({ certFile: '/srv/c.pem', keyFile: '/srv/k.pem' });
  });
  it('never without TLS, and says what is wrong', () => {
    expect(() => parseConfigText(yaml('{ enabled: true, tls: none }'), '/srv')).toThrow(/statusApi.lan.tls: must be a mapping of keys/);
    expect(() => lanSettings(parseConfigText(yaml('{ enabled: true, tls: { certFile: c.pem } }'), '/srv'))).toThrow(/statusApi.lan.tls: give both certFile and keyFile/);
    expect(() => parseConfigText(yaml('{ enabled: yes please }'), '/srv')).toThrow(/statusApi.lan.enabled: must be true or false/);
    expect(() => parseConfigText(yaml('{ enabled: true, port: 99999 }'), '/srv')).toThrow(/statusApi.lan.port: must be a number from 0 to 65535/);
  });
});

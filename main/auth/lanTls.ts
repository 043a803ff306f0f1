// The LAN listener's certificate (docs/service.md §5): the hospital's own (certFile/keyFile),
// or one generated at the first start with the LAN screen on and kept in <dataDir>/tls/, so
// that its fingerprint stays the same across restarts and officers pin it once.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LanConfig } from '../config/lanSettings.js';
import { fingerprintOf, generateSelfSignedCertificate } from './selfSignedCert.js';

export interface LanTls {
  cert: string;
  key: string;
  /** SHA-256 fingerprint to show for pinning. */
  fingerprint256: string;
  /** Where the certificate came from. */
  certFile: string;
  generated: boolean;
}

/** Host names a generated certificate covers: the configured ones, then this machine's name and the listening address. */
export function certificateNames(lan: Pick<LanConfig, 'host' | 'names'>): string[] {
  const names = [...lan.names, hostname()];
  if (!['0.0.0.0', '::'].includes(lan.host)) names.push(lan.host);
  names.push('localhost', '127.0.0.1');
  return [...new Set(names.filter(Boolean))];
}

export function loadLanTls(lan: LanConfig, dataDir: string): LanTls {
  if (lan.tls !== 'generated') {
    const cert = readFileSync(lan.tls.certFile, 'utf8');
    const key = readFileSync(lan.tls.keyFile, 'utf8');
    return { cert, key, fingerprint256: fingerprintOf(cert), certFile: lan.tls.certFile, generated: false };
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'lan-cert.pem');
  const keyFile = join(dir, 'lan-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const made = generateSelfSignedCertificate({ names: certificateNames(lan) });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
    writeFileSync(certFile, made.certPem, { mode: 0o644 });
  }
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint256: fingerprintOf(cert), certFile, generated: true };
}

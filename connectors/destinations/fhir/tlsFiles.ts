// A destination's TLS material (DESIGN §9): extra CA, client certificate and key, read from
// the files the configuration names and checked together once, so a wrong passphrase or a
// key that does not match its certificate is reported in words before any request.
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { TlsConfig } from '../../../main/config/schema.js';
import { readPrivateFile } from '../../../main/config/secrets.js';
import type { SecretResolver } from '../../../main/config/secrets.js';

export interface TlsMaterial {
  /** Node's public roots plus the configured CA: `ca` alone would replace the roots. */
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
}

export type TlsLoad = { ok: true; material: TlsMaterial } | { ok: false; detail: string };

/**
 * The configured CA is trusted in addition to the public roots, so that a public token
 * server and a store signed by a private (ministry or provincial) CA both verify.
 */
export function loadTlsMaterial(tls: TlsConfig | undefined, resolveSecret: SecretResolver): TlsLoad {
  if (!tls) return { ok: true, material: {} };
  const material: TlsMaterial = {};
  try {
    if (tls.caFile) material.ca = [...rootCertificates, readPublicFile(tls.caFile, 'tls.caFile')];
    if (tls.certFile) material.cert = readPublicFile(tls.certFile, 'tls.certFile');
    if (tls.keyFile) material.key = readKey(tls.keyFile);
    if (tls.keyPassphrase) material.passphrase = resolveSecret(tls.keyPassphrase);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  if (material.ca && !/-----BEGIN CERTIFICATE-----/.test(material.ca.at(-1)!)) {
    return { ok: false, detail: `tls.caFile ${tls.caFile} holds no PEM certificate` };
  }
  try {
    createSecureContext(material);
  } catch (err) {
    return { ok: false, detail: explainTlsError(err) };
  }
  return { ok: true, material };
}

function readPublicFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${key} ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readKey(path: string): string {
  try {
    return readPrivateFile(path);
  } catch (err) {
    throw new Error(`tls.keyFile: ${(err as Error).message}`);
  }
}

/** OpenSSL's reasons, in the terms of the configuration keys. */
function explainTlsError(err: unknown): string {
  const code = String((err as { code?: unknown }).code ?? '');
  const reason = String((err as { reason?: unknown }).reason ?? (err as Error).message ?? '');
  if (/BAD_DECRYPT|bad decrypt|PASSPHRASE|interrupted or cancelled/i.test(`${code} ${reason}`)) {
    return 'the private key in tls.keyFile could not be decrypted: check tls.keyPassphrase';
  }
  if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(`${code} ${reason}`)) return 'tls.keyFile is not the private key of the certificate in tls.certFile';
  return `the certificate or key files are not valid PEM (${code || reason})`;
}

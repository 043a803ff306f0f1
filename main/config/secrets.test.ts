import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tempDir.js';
import { resolveSecret as resolveFromLoad } from './load.js';
import { parseSecretReference, resolveSecret, SecretError } from './secrets.js';

const VALUE = 'the-actual-secret-8d2f';
let dir: { path: string; cleanup: () => void };

beforeAll(() => {
  dir = tempDir('vhr-secrets-');
});
afterAll(() => dir.cleanup());

function secretFile(name: string, content: string, mode: number): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

function failure(fn: () => unknown): SecretError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).not.toContain(VALUE);
    return err as SecretError;
  }
  throw new Error('expected a SecretError');
}

describe('secret references', () => {
  it('parses the three kinds and explains malformed ones', () => {
    expect(parseSecretReference('env:PROVINCE_TOKEN')).toEqual({ ok: true, ref: { kind: 'env', name: 'PROVINCE_TOKEN' } });
    expect(parseSecretReference('file:/etc/vhr/token')).toEqual({ ok: true, ref: { kind: 'file', path: '/etc/vhr/token' } });
    expect(parseSecretReference('keychain:vhr-agent/province/main')).toEqual({ ok: true, ref: { kind: 'keychain', service: 'vhr-agent', account: 'province/main' } });
    expect(parseSecretReference('env:1BAD')).toEqual({ ok: false, problem: "env: needs a variable name of letters, digits and '_' (e.g. env:PROVINCE_TOKEN)" });
    expect(parseSecretReference('keychain:vhr-agent')).toEqual({ ok: false, problem: 'keychain: needs a service and an account (e.g. keychain:vhr-agent/province)' });
    expect(parseSecretReference('file:')).toMatchObject({ ok: false });
    expect(parseSecretReference('vault:x')).toEqual({ ok: false, problem: 'use env:NAME, file:PATH or keychain:SERVICE/ACCOUNT' });
  });

  it('load.ts still exports the same resolver', () => {
    expect(resolveFromLoad).toBe(resolveSecret);
  });

  it('env: reads the variable; an unset one is named, a pasted secret is not quoted', () => {
    expect(resolveSecret('env:TOKEN_X', { TOKEN_X: VALUE })).toBe(VALUE);
    expect(failure(() => resolveSecret('env:TOKEN_X', {}))).toMatchObject({ code: 'SECRET_ENV_UNSET', message: 'the environment variable TOKEN_X (referenced as env:TOKEN_X) is not set' });
    expect(failure(() => resolveSecret(VALUE, {}))).toMatchObject({
      code: 'SECRET_REFERENCE_INVALID',
      message: 'unsupported secret reference (no scheme): use env:NAME, file:PATH or keychain:SERVICE/ACCOUNT',
    });
  });

  it('file: reads a file only the agent can read, without its trailing newline', () => {
    const path = secretFile('token', `${VALUE}\n`, 0o600);
    expect(resolveSecret(`file:${path}`, {})).toBe(VALUE);
    expect(resolveSecret('file:token', {}, { baseDir: dir.path })).toBe(VALUE);
  });

  it('file: refuses a file that other accounts can read, with the fix', () => {
    const groupReadable = secretFile('group', VALUE, 0o640);
    expect(failure(() => resolveSecret(`file:${groupReadable}`, {}, { platform: 'linux' }))).toMatchObject({
      code: 'SECRET_FILE_TOO_OPEN',
      message: `the secret file ${groupReadable} can be read or changed by other accounts (mode 0640); allow only the agent's account: chmod 600 ${groupReadable}`,
    });
    const worldReadable = secretFile('world', VALUE, 0o604);
    expect(failure(() => resolveSecret(`file:${worldReadable}`, {}, { platform: 'darwin' })).code).toBe('SECRET_FILE_TOO_OPEN');
    // Windows protects files with ACLs, which mode bits do not show.
    expect(resolveSecret(`file:${groupReadable}`, {}, { platform: 'win32' })).toBe(VALUE);
  });

  it('file: a missing, empty or non-regular file is named', () => {
    expect(failure(() => resolveSecret(`file:${join(dir.path, 'absent')}`, {}))).toMatchObject({
      code: 'SECRET_FILE_UNREADABLE',
      message: `cannot read the secret file ${join(dir.path, 'absent')} (ENOENT)`,
    });
    expect(failure(() => resolveSecret(`file:${secretFile('empty', '\n', 0o600)}`, {})).code).toBe('SECRET_FILE_EMPTY');
    expect(failure(() => resolveSecret(`file:${dir.path}`, {})).code).toBe('SECRET_FILE_UNREADABLE');
  });

  it('keychain: an injected lookup (the desktop app’s safeStorage) answers on any OS', () => {
    const seen: string[] = [];
    const keychain = (service: string, account: string) => {
      seen.push(`${service}|${account}`);
      return account === 'province' ? VALUE : '';
    };
    expect(resolveSecret('keychain:vhr-agent/province', {}, { keychain, platform: 'win32' })).toBe(VALUE);
    expect(failure(() => resolveSecret('keychain:vhr-agent/ministry', {}, { keychain, platform: 'darwin' }))).toMatchObject({
      code: 'SECRET_KEYCHAIN_NOT_FOUND',
      message: 'the keychain has no entry for service "vhr-agent" and account "ministry" (keychain:vhr-agent/ministry)',
    });
    expect(seen).toEqual(['vhr-agent|province', 'vhr-agent|ministry']);
  });

  it('keychain: headless on Windows or macOS there is no keychain access', () => {
    expect(failure(() => resolveSecret('keychain:vhr-agent/province', {}, { platform: 'win32' }))).toMatchObject({
      code: 'SECRET_KEYCHAIN_UNAVAILABLE',
      message: 'keychain:vhr-agent/province: the win32 keychain is not available in headless mode on this OS (the desktop app provides it); use an env: or file: reference instead',
    });
    expect(failure(() => resolveSecret('keychain:vhr-agent/province', {}, { platform: 'darwin' })).code).toBe('SECRET_KEYCHAIN_UNAVAILABLE');
  });

  it('keychain: on Linux, secret-tool is asked when installed', () => {
    const bin = join(dir.path, 'bin');
    // A stand-in for libsecret's secret-tool: prints the secret for one entry, exits 1 (silently) otherwise.
    const script = `#!/bin/sh\nif [ "$1 $2 $3 $4 $5" = "lookup service vhr-agent account province" ]; then printf '%s' '${VALUE}'; exit 0; fi\nexit 1\n`;
    mkdirSync(bin);
    writeFileSync(join(bin, 'secret-tool'), script);
    chmodSync(join(bin, 'secret-tool'), 0o755);
    const env = { PATH: bin };
    expect(resolveSecret('keychain:vhr-agent/province', env, { platform: 'linux' })).toBe(VALUE);
    expect(failure(() => resolveSecret('keychain:vhr-agent/ministry', env, { platform: 'linux' })).code).toBe('SECRET_KEYCHAIN_NOT_FOUND');
    expect(failure(() => resolveSecret('keychain:vhr-agent/province', { PATH: join(dir.path, 'nowhere') }, { platform: 'linux' }))).toMatchObject({
      code: 'SECRET_KEYCHAIN_UNAVAILABLE',
      message: 'keychain:vhr-agent/province: secret-tool is not installed (package libsecret-tools); install it or use an env: or file: reference',
    });
  });
});


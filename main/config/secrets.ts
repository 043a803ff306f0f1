// Secret references (DESIGN §7, §9): the configuration says where a secret lives, never what
// it is, so config files, managed documents and logs can be shown and copied safely.
//
//   env:NAME                   an environment variable of the agent's process
//   file:PATH                  a file only the agent's account can read (its whole content, one trailing newline dropped)
//   keychain:SERVICE/ACCOUNT   the OS keychain: libsecret's `secret-tool` on Linux; on Windows and
//                              macOS the desktop app answers through an injected lookup (safeStorage)
//
// Errors name the reference and what to do, never the secret's value.
import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const SecretErrorCode = {
  invalidReference: 'SECRET_REFERENCE_INVALID',
  envUnset: 'SECRET_ENV_UNSET',
  fileUnreadable: 'SECRET_FILE_UNREADABLE',
  fileTooOpen: 'SECRET_FILE_TOO_OPEN',
  fileEmpty: 'SECRET_FILE_EMPTY',
  keychainUnavailable: 'SECRET_KEYCHAIN_UNAVAILABLE',
  keychainNotFound: 'SECRET_KEYCHAIN_NOT_FOUND',
} as const;
export type SecretErrorCode = (typeof SecretErrorCode)[keyof typeof SecretErrorCode];

export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type SecretReference =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'keychain'; service: string; account: string };

/**
 * Looks a keychain entry up. The Electron shell supplies one backed by safeStorage (the core
 * runs in a utilityProcess, where safeStorage is not available, so the shell decrypts and
 * hands the values over); tests supply their own.
 */
export type KeychainLookup = (service: string, account: string) => string;

export interface SecretSourceOptions {
  /** Used instead of the platform's own keychain access when given. */
  keychain?: KeychainLookup;
  /** Defaults to process.platform; injectable so each platform's behaviour can be tested. */
  platform?: NodeJS.Platform;
  /** Relative `file:` paths are taken from here (default: the working directory). */
  baseDir?: string;
}

/** Resolves a reference to the secret itself (what connectors take, so tests and the desktop app can inject one). */
export type SecretResolver = (reference: string) => string;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYCHAIN_TIMEOUT_MS = 10_000;

/** Splits a reference into its parts; `problem` says what is wrong in words fit for the config error list. */
export function parseSecretReference(reference: string): { ok: true; ref: SecretReference } | { ok: false; problem: string } {
  const colon = reference.indexOf(':');
  const scheme = colon > 0 ? reference.slice(0, colon) : '';
  const rest = colon > 0 ? reference.slice(colon + 1) : '';
  switch (scheme) {
    case 'env':
      if (!ENV_NAME.test(rest)) return { ok: false, problem: `env: needs a variable name of letters, digits and '_' (e.g. env:PROVINCE_TOKEN)` };
      return { ok: true, ref: { kind: 'env', name: rest } };
    case 'file':
      if (rest.trim() === '') return { ok: false, problem: 'file: needs the path of the file that holds the secret (e.g. file:/etc/vhr-agent/province.token)' };
      return { ok: true, ref: { kind: 'file', path: rest } };
    case 'keychain': {
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) return { ok: false, problem: 'keychain: needs a service and an account (e.g. keychain:vhr-agent/province)' };
      return { ok: true, ref: { kind: 'keychain', service: rest.slice(0, slash), account: rest.slice(slash + 1) } };
    }
    default:
      return { ok: false, problem: 'use env:NAME, file:PATH or keychain:SERVICE/ACCOUNT' };
  }
}

/** True when the text has a known scheme (a reference, well formed or not) rather than looking like a pasted secret. */
export function looksLikeSecretReference(text: string): boolean {
  return /^(env|file|keychain):/.test(text);
}

/** Resolves a secret reference. Throws SecretError with a stable code and a message that never holds the secret. */
export function resolveSecret(reference: string, env: NodeJS.ProcessEnv = process.env, opts: SecretSourceOptions = {}): string {
  const parsed = parseSecretReference(reference);
  if (!parsed.ok) {
    // Only the scheme is quoted: a value without a scheme may be a secret pasted by mistake.
    const scheme = /^[a-z]+:/.exec(reference)?.[0] ?? 'no scheme';
    throw new SecretError(SecretErrorCode.invalidReference, `unsupported secret reference (${scheme}): ${parsed.problem}`);
  }
  const ref = parsed.ref;
  switch (ref.kind) {
    case 'env': {
      const value = env[ref.name];
      if (!value) throw new SecretError(SecretErrorCode.envUnset, `the environment variable ${ref.name} (referenced as ${reference}) is not set`);
      return value;
    }
    case 'file':
      return readPrivateFile(resolve(opts.baseDir ?? process.cwd(), ref.path), opts.platform ?? process.platform);
    case 'keychain':
      return lookupKeychain(ref.service, ref.account, env, opts);
  }
}

/**
 * Reads a file that holds a secret (a `file:` reference, a private key), refusing one that
 * other accounts can read or change. Reads through one file descriptor so the permissions
 * checked are those of the file read. Windows has ACLs, not mode bits (which Node reports as
 * 0666 there): the installer's ACLs protect the file, so the check applies to POSIX only.
 */
export function readPrivateFile(path: string, platform: NodeJS.Platform = process.platform): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new SecretError(SecretErrorCode.fileUnreadable, `cannot read the secret file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SecretError(SecretErrorCode.fileUnreadable, `the secret file ${path} is not a regular file`);
    if (platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretError(
        SecretErrorCode.fileTooOpen,
        `the secret file ${path} can be read or changed by other accounts (mode ${mode}); allow only the agent's account: chmod 600 ${path}`,
      );
    }
    const value = readFileSync(fd, 'utf8').replace(/\r?\n$/, '');
    if (value === '') throw new SecretError(SecretErrorCode.fileEmpty, `the secret file ${path} is empty`);
    return value;
  } finally {
    closeSync(fd);
  }
}

function lookupKeychain(service: string, account: string, env: NodeJS.ProcessEnv, opts: SecretSourceOptions): string {
  const where = `keychain:${service}/${account}`;
  const found = (value: string | undefined): string => {
    if (!value) throw new SecretError(SecretErrorCode.keychainNotFound, `the keychain has no entry for service "${service}" and account "${account}" (${where})`);
    return value;
  };
  if (opts.keychain) return found(opts.keychain(service, account));
  const platform = opts.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new SecretError(
      SecretErrorCode.keychainUnavailable,
      `${where}: the ${platform} keychain is not available in headless mode on this OS (the desktop app provides it); use an env: or file: reference instead`,
    );
  }
  const tool = findOnPath('secret-tool', env.PATH);
  if (!tool) {
    throw new SecretError(SecretErrorCode.keychainUnavailable, `${where}: secret-tool is not installed (package libsecret-tools); install it or use an env: or file: reference`);
  }
  let out: string;
  try {
    out = execFileSync(tool, ['lookup', 'service', service, 'account', account], {
      encoding: 'utf8',
      env,
      timeout: KEYCHAIN_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    // secret-tool exits 1 with no output when the entry does not exist.
    const status = (err as { status?: unknown }).status;
    if (status === 1 && !(err as { stderr?: string }).stderr) return found(undefined);
    throw new SecretError(SecretErrorCode.keychainUnavailable, `${where}: secret-tool failed (${status === undefined ? (err as NodeJS.ErrnoException).code : `exit ${String(status)}`}); is a keyring unlocked for this account?`);
  }
  return found(out.replace(/\r?\n$/, ''));
}

function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      const st = statSync(candidate);
      if (st.isFile() && (st.mode & 0o111) !== 0) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

// Whether a valid configuration can actually run on this machine (DESIGN §10 `config check`):
// the folders it names exist and can be read, the ports it listens on are free, its secret
// references resolve. Each problem names its key path and how to put it right, like the
// schema's own problems, so a headless install can be fixed from one run's output.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { secretReferences } from './annotations.js';
import type { AgentConfig } from './definition.js';
import { resolveSecret, SecretError, type SecretSourceOptions } from './secrets.js';

export interface UsabilityProblem {
  key: string;
  problem: string;
  fix: string;
}

export interface MountTables {
  /** /etc/fstab: where network shares are meant to be mounted. */
  fstab: string;
  /** /proc/self/mounts: what is mounted now. */
  mounts: string;
}

export interface UsabilityOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretSourceOptions;
  /** Injectable for tests; read from /etc/fstab and /proc/self/mounts on Linux. */
  mountTables?: MountTables;
}

const NETWORK_FS = new Set(['cifs', 'smb3', 'smbfs', 'nfs', 'nfs4', 'fuse.sshfs', '9p']);

interface MountEntry {
  device: string;
  mountPoint: string;
  type: string;
}

/** Entries of an fstab or mounts table (same column layout); octal escapes such as \040 decoded. */
export function parseMountTable(text: string): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [device, mountPoint, type] = t.split(/\s+/);
    if (device && mountPoint && type) out.push({ device: unescape(device), mountPoint: unescape(mountPoint).replace(/\/+$/, '') || '/', type });
  }
  return out;
}

const isUnder = (path: string, dir: string) => dir === '/' || path === dir || path.startsWith(dir + '/');

/**
 * On Linux a network share's folder that is not mounted is an ordinary local folder: files
 * written there never reach the HIS, and a folder created there hides the fault. The mount
 * point comes from /etc/fstab; /proc/self/mounts says whether it is mounted now.
 */
export function unmountedShare(path: string, tables: MountTables): MountEntry | undefined {
  const planned = parseMountTable(tables.fstab).filter((e) => e.mountPoint.startsWith('/') && e.mountPoint !== '/' && isUnder(path, e.mountPoint));
  if (!planned.length) return undefined;
  const deepest = planned.sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0]!;
  const mounted = parseMountTable(tables.mounts).some((m) => m.mountPoint === deepest.mountPoint);
  return mounted ? undefined : deepest;
}

function readMountTables(): MountTables {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { fstab: read('/etc/fstab'), mounts: read('/proc/self/mounts') };
}

const isUncPath = (p: string) => /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(p);

function checkReadableFolder(key: string, path: string, what: string, opts: Required<Pick<UsabilityOptions, 'platform'>> & { tables?: MountTables; writable: boolean }): UsabilityProblem[] {
  const share = opts.platform === 'linux' && opts.tables ? unmountedShare(path, opts.tables) : undefined;
  if (share) {
    return [
      {
        key,
        problem: `${path} is on the network share ${share.device} (${share.type}, /etc/fstab), which is not mounted at ${share.mountPoint}: the folder would be on the local disk`,
        fix: `mount it (sudo mount ${share.mountPoint}) and check it is mounted at boot, then run config check again`,
      },
    ];
  }
  const unc = isUncPath(path);
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (unc) return [{ key, problem: `the network share ${path} cannot be reached (${code ?? 'error'})`, fix: 'check the server is on, the share name, and that the agent\'s account may open it (a service account needs its own access to the share)' }];
    if (code === 'ENOENT') return [{ key, problem: `${what} ${path} does not exist`, fix: 'check the spelling against the folder the HIS exports into, or create it there (a mistyped folder would only ever stay empty)' }];
    return [{ key, problem: `${what} ${path} cannot be opened (${code ?? 'error'})`, fix: "give the agent's account access to it" }];
  }
  if (!st.isDirectory()) return [{ key, problem: `${path} is a file, not a folder`, fix: `give the folder ${what === 'the HIS export folder' ? 'the HIS exports into' : 'meant'}` }];
  const mode = constants.R_OK | constants.X_OK | (opts.writable ? constants.W_OK : 0);
  try {
    accessSync(path, mode);
  } catch {
    return [
      {
        key,
        problem: `the agent's account cannot ${opts.writable ? 'read and move files in' : 'read'} ${path}`,
        fix: `give the account the agent runs as ${opts.writable ? 'read and write (modify)' : 'read'} permission on the folder${unc ? ' and on the share' : ''}`,
      },
    ];
  }
  return [];
}

/** A folder the agent creates when missing (processed/, error/, dataDir): its nearest existing parent must be writable. */
function checkCreatableFolder(key: string, path: string): UsabilityProblem[] {
  let p = path;
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  try {
    if (!statSync(p).isDirectory()) return [{ key, problem: `${p} is a file, so ${path} cannot be a folder`, fix: 'give a folder path' }];
    accessSync(p, constants.W_OK | constants.X_OK);
    return [];
  } catch {
    return [{ key, problem: `the agent's account cannot write to ${p}${p === path ? '' : ` (to create ${path})`}`, fix: "give the agent's account write permission there, or choose another folder" }];
  }
}

function checkFile(key: string, path: string): UsabilityProblem[] {
  try {
    if (!statSync(path).isFile()) return [{ key, problem: `${path} is not a file`, fix: 'give the path of the file itself' }];
    accessSync(path, constants.R_OK);
    return [];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [{ key, problem: code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'error'})`, fix: "check the path, and that the agent's account may read the file" }];
  }
}

/** Resolves when the port can be listened on; otherwise the reason (EADDRINUSE, EACCES…). */
export function portFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => done(undefined)));
  });
}

async function checkPort(key: string, host: string, port: number): Promise<UsabilityProblem[]> {
  if (port === 0) return [];
  const reason = await portFree(host, port);
  if (!reason) return [];
  if (reason === 'EADDRINUSE') return [{ key, problem: `port ${port} on ${host} is already in use`, fix: 'stop the program that uses it (another agent?) or choose another port' }];
  if (reason === 'EACCES') return [{ key, problem: `port ${port} on ${host} needs administrator rights`, fix: 'choose a port above 1023' }];
  if (reason === 'EADDRNOTAVAIL') return [{ key, problem: `${host} is not an address of this machine`, fix: 'use 0.0.0.0 (every interface) or one of this machine\'s addresses' }];
  return [{ key, problem: `cannot listen on ${host}:${port} (${reason})`, fix: 'choose another port' }];
}

/** Every reason the (schema-valid) configuration cannot run here; empty when it can. */
export async function usabilityProblems(config: AgentConfig, opts: UsabilityOptions = {}): Promise<UsabilityProblem[]> {
  const platform = opts.platform ?? process.platform;
  const tables = platform === 'linux' ? (opts.mountTables ?? readMountTables()) : undefined;
  const out: UsabilityProblem[] = [];
  out.push(...checkCreatableFolder('dataDir', config.dataDir));
  for (const [i, s] of config.sources.entries()) {
    if (s.type === 'folder') {
      const here = checkReadableFolder(`sources[${i}].path`, s.path, 'the HIS export folder', { platform, tables, writable: true });
      out.push(...here);
      if (!here.length) {
        if (!isUnder(normal(s.processedDir), normal(s.path))) out.push(...checkCreatableFolder(`sources[${i}].processedDir`, s.processedDir));
        if (!isUnder(normal(s.errorDir), normal(s.path))) out.push(...checkCreatableFolder(`sources[${i}].errorDir`, s.errorDir));
      }
    } else {
      out.push(...(await checkPort(`sources[${i}].port`, s.host, s.port)));
    }
  }
  out.push(...(await checkPort('statusApi.port', config.statusApi.host, config.statusApi.port)));
  for (const [i, d] of config.destinations.entries()) {
    for (const k of ['caFile', 'certFile', 'keyFile'] as const) {
      const f = d.tls?.[k];
      if (f) out.push(...checkFile(`destinations[${i}].tls.${k}`, f));
    }
  }
  for (const { key, reference } of secretReferences(config)) {
    try {
      resolveSecret(reference, opts.env ?? process.env, { platform, ...opts.secrets });
    } catch (err) {
      if (!(err instanceof SecretError)) throw err;
      out.push({ key, problem: err.message, fix: secretFix(reference) });
    }
  }
  if (config.profilePack) out.push(...checkFile('profilePack', config.profilePack));
  const pub = config.managed?.publicKey;
  if (pub && !pub.includes('-----BEGIN')) out.push(...checkFile('managed.publicKey', pub));
  return out;
}

function secretFix(reference: string): string {
  if (reference.startsWith('env:')) return `set ${reference.slice(4)} in the environment of the agent's account (for the service: its environment, not your shell's)`;
  if (reference.startsWith('file:')) return "put the secret in that file, readable by the agent's account only (chmod 600)";
  if (reference.startsWith('keychain:')) return 'store the secret in the keychain under that service and account (setup does this), or use a file: reference';
  return 'use env:NAME, file:PATH or keychain:SERVICE/ACCOUNT';
}

const normal = (p: string) => (isAbsolute(p) ? resolve(p) : p).split(sep).join('/');

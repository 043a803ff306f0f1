// One data folder, one agent (DESIGN §2). Two agents on the same folder would watch the
// same inboxes, claim the same deliveries and overwrite each other's api.json, so the agent
// holds `<dataDir>/agent.lock` while it runs. The file says who holds it (pid, host, start
// time), so a refused start can name the agent in the way; a lock whose process is gone
// (a crash, a power cut) is taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataDirError } from '../dataDir.js';

export const LOCK_FILE_NAME = 'agent.lock';

export interface DataDirLockHolder {
  pid: number;
  host: string;
  /** ISO 8601, when that agent took the lock. */
  startedAt: string;
  dataDir: string;
  /** Distinguishes two holders that share a pid (a container restarted with the same pid). */
  token: string;
}

export interface DataDirLock {
  /** `<dataDir>/agent.lock`. */
  path: string;
  holder: DataDirLockHolder;
  /** The holder of the stale lock this one replaced, if any. */
  tookOverFrom?: DataDirLockHolder;
  /** Gives the folder up; harmless twice, and never removes another agent's lock. */
  release(): void;
}

export interface AcquireOptions {
  now?: () => Date;
  /** Whether a process of this host is alive (default: signal 0). */
  isAlive?: (pid: number) => boolean;
}

/** The second agent on a folder: which process holds it, where, and what to do. */
export class DataDirLockedError extends DataDirError {
  readonly messageVi: string;
  readonly messageEn: string;
  constructor(
    readonly holder: DataDirLockHolder,
    readonly lockPath: string,
  ) {
    const sameHost = holder.host === hostname();
    const where = sameHost ? '' : ` on ${holder.host}`;
    const whereVi = sameHost ? '' : ` trên máy ${holder.host}`;
    const vi =
      `Thư mục dữ liệu ${holder.dataDir} đang được một tác tử khác sử dụng (tiến trình ${holder.pid}${whereVi}, khởi động lúc ${holder.startedAt}). ` +
      `Mỗi thư mục dữ liệu chỉ chạy một tác tử: hãy dừng tác tử đó, hoặc dùng thư mục dữ liệu khác.` +
      (sameHost ? '' : ` Nếu tác tử đó không còn chạy, hãy xoá tệp khoá ${lockPath}.`);
    const en =
      `The data folder ${holder.dataDir} is in use by another agent (process ${holder.pid}${where}, started ${holder.startedAt}). ` +
      `One data folder runs one agent: stop that agent, or use another data folder.` +
      (sameHost ? '' : ` If that agent is no longer running, delete the lock file ${lockPath}.`);
    super(holder.dataDir, 'DATA_DIR_LOCKED', `${vi}\n${en}\n(${lockPath})`);
    this.name = 'DataDirLockedError';
    this.messageVi = vi;
    this.messageEn = en;
  }
}

/** Locks held by this process, by path: a second agent in the same process is refused too. */
const heldHere = new Map<string, string>();

/** Takes the folder for this process, or throws DataDirLockedError naming the live holder. */
export function acquireDataDirLock(dataDir: string, opts: AcquireOptions = {}): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  const isAlive = opts.isAlive ?? processIsAlive;
  const holder: DataDirLockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: (opts.now ?? (() => new Date()))().toISOString(),
    dataDir,
    token: `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
  };
  let tookOverFrom: DataDirLockHolder | undefined;
  // A second round only after a stale lock was removed; a third means a race was lost.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, holder)) {
      heldHere.set(path, holder.token);
      let released = false;
      return {
        path,
        holder,
        ...(tookOverFrom ? { tookOverFrom } : {}),
        release() {
          if (released) return;
          released = true;
          if (heldHere.get(path) === holder.token) heldHere.delete(path);
          if (readDataDirLock(dataDir)?.token === holder.token) rmSync(path, { force: true });
        },
      };
    }
    const current = readDataDirLock(dataDir);
    if (current && !isStale(current, path, isAlive)) throw new DataDirLockedError(current, path);
    // Stale or unreadable: remove it, unless someone replaced it meanwhile.
    const again = readDataDirLock(dataDir);
    if (again?.token !== current?.token) continue;
    tookOverFrom = current;
    rmSync(path, { force: true });
  }
  const current = readDataDirLock(dataDir);
  if (current) throw new DataDirLockedError(current, path);
  throw new DataDirError(dataDir, 'DATA_DIR_LOCK_FAILED', `không lấy được khoá thư mục dữ liệu ${path} / could not take the data folder lock ${path}`);
}

/** The holder named in the lock file, if there is a readable one. */
export function readDataDirLock(dataDir: string): DataDirLockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')) as Partial<DataDirLockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.token !== 'string') return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '?',
      dataDir: typeof parsed.dataDir === 'string' ? parsed.dataDir : dataDir,
      token: parsed.token,
    };
  } catch {
    return undefined;
  }
}

/**
 * The lock is written whole to a private name, then linked into place: the link either
 * appears with its full content or fails because a lock exists (no half-written lock).
 */
function tryCreate(path: string, holder: DataDirLockHolder): boolean {
  const draft = `${path}.${holder.token}`;
  writeFileSync(draft, JSON.stringify(holder, null, 2) + '\n', { mode: 0o600 });
  try {
    linkSync(draft, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(draft, { force: true });
  }
}

function isStale(holder: DataDirLockHolder, path: string, isAlive: (pid: number) => boolean): boolean {
  // Another machine's process cannot be looked at from here (a folder on a share): live.
  if (holder.host !== hostname()) return false;
  // Our own pid: live only if this process holds it now; else an earlier life of this pid.
  if (holder.pid === process.pid) return heldHere.get(path) !== holder.token;
  return !isAlive(holder.pid);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another account.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

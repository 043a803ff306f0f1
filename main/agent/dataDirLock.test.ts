import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tempDir.js';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE_NAME, readDataDirLock } from './dataDirLock.js';
import type { DataDirLock, DataDirLockHolder } from './dataDirLock.js';

let tmp: ReturnType<typeof tempDir>;
const held: DataDirLock[] = [];

beforeEach(() => {
  tmp = tempDir('vhr-lock-');
});
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  tmp.cleanup();
});

function take(opts?: Parameters<typeof acquireDataDirLock>[1]): DataDirLock {
  const lock = acquireDataDirLock(tmp.path, opts);
  held.push(lock);
  return lock;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function plantLock(holder: Partial<DataDirLockHolder>): void {
  const full = { pid: 1, host: hostname(), startedAt: '2026-11-30T08:00:00.000Z', dataDir: tmp.path, token: 'planted', ...holder };
  writeFileSync(join(tmp.path, LOCK_FILE_NAME), JSON.stringify(full));
}

describe('data folder lock', () => {
  it('is held in <dataDir>/agent.lock, naming this process, and given up on release', () => {
    const lock = take({ now: () => new Date('2026-12-01T02:00:00Z') });
    expect(lock.path).toBe(join(tmp.path, 'agent.lock'));
    expect(readDataDirLock(tmp.path)).toEqual({ pid: process.pid, host: hostname(), startedAt: '2026-12-01T02:00:00.000Z', dataDir: tmp.path, token: lock.holder.token });
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(take().holder.pid).toBe(process.pid);
  });

  it('refuses a second agent, saying in both languages which process holds the folder and where', () => {
    const first = take({ now: () => new Date('2026-12-01T02:00:00Z') });
    let refusal: unknown;
    try {
      take();
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    const e = refusal as DataDirLockedError;
    expect(e.code).toBe('DATA_DIR_LOCKED');
    expect(e.holder.token).toBe(first.holder.token);
    expect(e.messageVi).toBe(
      `Thư mục dữ liệu ${tmp.path} đang được một tác tử khác sử dụng (tiến trình ${process.pid}, khởi động lúc 2026-12-01T02:00:00.000Z). ` +
        'Mỗi thư mục dữ liệu chỉ chạy một tác tử: hãy dừng tác tử đó, hoặc dùng thư mục dữ liệu khác.',
    );
    expect(e.messageEn).toBe(
      `The data folder ${tmp.path} is in use by another agent (process ${process.pid}, started 2026-12-01T02:00:00.000Z). ` +
        'One data folder runs one agent: stop that agent, or use another data folder.',
    );
    expect(e.message).toBe(`${e.messageVi}\n${e.messageEn}\n(${first.path})`);
    // The refused start leaves the holder's lock alone.
    expect(readDataDirLock(tmp.path)?.token).toBe(first.holder.token);
  });

  it('takes over a lock whose process is gone', () => {
    const pid = deadPid();
    plantLock({ pid, token: 'crashed' });
    const lock = take();
    expect(lock.tookOverFrom).toMatchObject({ pid, token: 'crashed' });
    expect(readDataDirLock(tmp.path)?.token).toBe(lock.holder.token);
  });

  it('takes over a lock of this very pid that this process does not hold (a restarted container), and an unreadable one', () => {
    plantLock({ pid: process.pid, token: 'earlier-life' });
    expect(take().tookOverFrom?.token).toBe('earlier-life');
    held.pop()!.release();
    writeFileSync(join(tmp.path, LOCK_FILE_NAME), '{"pid": 12');
    expect(take().holder.pid).toBe(process.pid);
  });

  it('refuses a lock held on another machine, with how to clear it if that agent is gone', () => {
    plantLock({ pid: 4242, host: 'may-tram-2', token: 'remote' });
    expect(() => take()).toThrow(DataDirLockedError);
    try {
      take();
    } catch (err) {
      const e = err as DataDirLockedError;
      expect(e.messageVi).toContain('(tiến trình 4242 trên máy may-tram-2, khởi động lúc 2026-11-30T08:00:00.000Z)');
      expect(e.messageVi).toContain(`Nếu tác tử đó không còn chạy, hãy xoá tệp khoá ${join(tmp.path, LOCK_FILE_NAME)}.`);
      expect(e.messageEn).toContain(`If that agent is no longer running, delete the lock file ${join(tmp.path, LOCK_FILE_NAME)}.`);
    }
    expect(JSON.parse(readFileSync(join(tmp.path, LOCK_FILE_NAME), 'utf8')).token).toBe('remote');
  });

  it('treats a process that is alive as the holder, and release never removes another agent’s lock', () => {
    plantLock({ pid: 999_999, token: 'live-elsewhere' });
    expect(() => take({ isAlive: () => true })).toThrow(DataDirLockedError);
    const lock = take({ isAlive: () => false });
    // Someone else's lock now stands there: releasing ours must not remove it.
    plantLock({ pid: 999_998, token: 'newer' });
    lock.release();
    expect(readDataDirLock(tmp.path)?.token).toBe('newer');
  });
});

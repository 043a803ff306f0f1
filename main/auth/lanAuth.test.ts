// Sign-in, sessions and user management against a real store (SQLite file in a temp folder),
// with the clock moved by the test instead of waited for.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import { LanAuth } from './lanAuth.js';
import { hashPassword } from './passwords.js';
import { runUsers, type UsersIo } from '../commands/users.js';
import { parseConfigText } from '../config/load.js';
import { tempDir } from '../../test/support/tempDir.js';

const MIN = 60_000;
let tmp: ReturnType<typeof tempDir>;
let store: Store;
let now: number;

beforeEach(() => {
  tmp = tempDir('vhr-lanauth-');
  store = Store.open(join(tmp.path, 'vhr-agent.db'));
  now = Date.parse('2026-03-02T08:00:00Z');
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const auth = (lockout = { perAccount: 5, perClient: 20, lockMs: 15 * MIN }) => new LanAuth({ users: store.users, idleMs: 30 * MIN, maxSessionMs: 12 * 60 * MIN, lockout, now: () => now });

async function addUser(username: string, role: 'officer' | 'admin', password: string): Promise<void> {
  store.users.addUser({ username, role, passwordHash: await hashPassword(password) }, 'root@cli', now);
}

describe('LAN sessions', () => {
  it('a session ends after 30 idle minutes, and after 12 hours however busy', async () => {
    await addUser('lan.nguyen', 'officer', 'ngựa-vằn-bảy-sắc');
    const a = auth();
    const r = await a.signIn('lan.nguyen', 'ngựa-vằn-bảy-sắc', '10.0.0.5');
    if (!r.ok) throw new Error(r.message);
    expect(r.principal).toEqual({ user: 'lan.nguyen', role: 'officer', expiresAt: now + 12 * 60 * MIN });
    // Only the token's hash is kept: the token itself opens nothing when read from the database.
    expect(store.users.session(r.token)).toBeUndefined();
    expect(readFileSync(join(tmp.path, 'vhr-agent.db')).includes(Buffer.from(r.token))).toBe(false);

    now += 29 * MIN;
    expect(a.authenticate(r.token)?.user).toBe('lan.nguyen');
    now += 31 * MIN;
    expect(a.authenticate(r.token)).toBeNull();

    const busy = await a.signIn('lan.nguyen', 'ngựa-vằn-bảy-sắc', '10.0.0.5');
    if (!busy.ok) throw new Error(busy.message);
    for (let step = 0; step < 24; step++) {
      now += 29 * MIN; // never idle for long: 11 h 36 min in all
      expect(a.authenticate(busy.token)?.user).toBe('lan.nguyen');
    }
    now += 25 * MIN; // 12 h 01 min after signing in
    expect(a.authenticate(busy.token)).toBeNull();
    expect(a.authenticate('made-up-token')).toBeNull();
    expect(a.authenticate(undefined)).toBeNull();
  });

  it('locks a client address out across accounts, unknown ones included, and audits each refusal without the password', async () => {
    await addUser('it.tran', 'admin', 'quản-trị-mạng-2026');
    const a = auth({ perAccount: 5, perClient: 3, lockMs: 15 * MIN });
    expect(await a.signIn('nobody', 'guess-one-x', '10.0.0.9')).toMatchObject({ ok: false, status: 401, error: 'wrong_credentials' });
    expect(await a.signIn('it.tran', 'guess-two-x', '10.0.0.9')).toMatchObject({ ok: false, status: 401 });
    expect(await a.signIn('someone', 'guess-three', '10.0.0.9')).toMatchObject({ ok: false, status: 429, error: 'locked', retryAfterMs: 15 * MIN });
    // The right password from that address waits too; from another desk it works.
    expect(await a.signIn('it.tran', 'quản-trị-mạng-2026', '10.0.0.9')).toMatchObject({ ok: false, status: 429 });
    expect(await a.signIn('it.tran', 'quản-trị-mạng-2026', '10.0.0.10')).toMatchObject({ ok: true });
    const rows = store.auditLog(20);
    expect(rows.filter((r) => r.action === 'sign_in_refused').map((r) => [r.target, r.actor, r.detail?.reason])).toEqual([
      ['someone', '10.0.0.9@lan', 'unknown user'],
      ['it.tran', '10.0.0.9@lan', 'wrong password'],
      ['nobody', '10.0.0.9@lan', 'unknown user'],
    ]);
    expect(rows.filter((r) => r.action === 'account_locked').map((r) => r.detail?.reason)).toEqual(['client address locked']);
    expect(JSON.stringify(rows)).not.toMatch(/guess-/);
  });
});

describe('vhr-agent users', () => {
  const osUser = `${userInfo().username}@cli`;
  const io = (passwords: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const it: UsersIo = { readPassword: async () => passwords.shift() ?? '', out: (t) => out.push(t), err: (t) => err.push(t) };
    return { io: it, out, err };
  };
  const config = () => parseConfigText(`facility: { code: "94170" }\ndataDir: ${JSON.stringify(tmp.path)}\n`, tmp.path);

  it('adds, lists, changes passwords and removes; a new password or removal ends the sessions; each step audited', async () => {
    const a = io(['short', 'ngựa-vằn-bảy-sắc', 'mật-khẩu-mới-2026']);
    expect(await runUsers(config(), 'add', { username: 'lan.nguyen', role: 'officer' }, a.io)).toBe(1);
    expect(a.err.join('')).toMatch(/at least 10 characters/);
    expect(await runUsers(config(), 'add', { username: 'lan.nguyen', role: 'officer' }, a.io)).toBe(0);
    expect(await runUsers(config(), 'add', { username: 'LAN.NGUYEN', role: 'admin' }, a.io)).toBe(1);
    expect(a.err.join('')).toMatch(/already a user LAN.NGUYEN/);
    await expect(runUsers(config(), 'add', { username: 'hoa', role: 'boss' }, a.io)).rejects.toThrow(/--role officer\|admin/);

    expect(await runUsers(config(), 'list', {}, a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/^lan\.nguyen\s+officer\s+cán bộ hồ sơ/m);
    expect(a.out.join('')).toMatch(/LAN screen is off/);

    const lan = auth();
    const s = await lan.signIn('lan.nguyen', 'ngựa-vằn-bảy-sắc', '10.0.0.5');
    if (!s.ok) throw new Error(s.message);
    expect(await runUsers(config(), 'passwd', { username: 'lan.nguyen' }, a.io)).toBe(0);
    expect(lan.authenticate(s.token)).toBeNull();
    expect((await lan.signIn('lan.nguyen', 'ngựa-vằn-bảy-sắc', '10.0.0.5')).ok).toBe(false);
    const again = await lan.signIn('lan.nguyen', 'mật-khẩu-mới-2026', '10.0.0.5');
    if (!again.ok) throw new Error(again.message);
    expect(await runUsers(config(), 'remove', { username: 'lan.nguyen' }, a.io)).toBe(0);
    expect(lan.authenticate(again.token)).toBeNull();
    expect(await runUsers(config(), 'remove', { username: 'lan.nguyen' }, a.io)).toBe(1);

    const mine = store.auditLog(50).filter((r) => r.actor === osUser);
    expect(mine.map((r) => [r.action, r.target])).toEqual([
      ['user_removed', 'lan.nguyen'],
      ['password_changed', 'lan.nguyen'],
      ['user_added', 'lan.nguyen'],
    ]);
  });

  it('refuses to create the database itself: the service makes it under its own account', async () => {
    const other = tempDir('vhr-nodb-');
    try {
      const a = io(['ngựa-vằn-bảy-sắc']);
      const cfg = parseConfigText(`facility: { code: "94170" }\ndataDir: ${JSON.stringify(other.path)}\n`, other.path);
      expect(await runUsers(cfg, 'list', {}, a.io)).toBe(1);
      expect(a.err.join('')).toMatch(/no database at .* yet: start the agent/);
    } finally {
      other.cleanup();
    }
  });
});

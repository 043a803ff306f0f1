// Sign-in to the LAN status screen (docs/service.md §5): user name and password checked
// against the scrypt hash, a random session token handed back (kept by the page, sent as a
// bearer token like the loopback one: no cookies), sessions that end when idle and in any
// case after some hours, and lockout per account and per client address. Every sign-in and
// every refusal is audited.
import { createHash, randomBytes } from 'node:crypto';
import type { UserAccounts } from '../store/ports.js';
import { isRole, type Role } from './access.js';
import { Lockout, type LockoutPolicy } from './lockout.js';
import { decoyHash, verifyPassword } from './passwords.js';

/** Who is asking, on the LAN listener. */
export interface Principal {
  user: string;
  role: Role;
  expiresAt: number;
}

export type SignInResult =
  | { ok: true; token: string; principal: Principal }
  | { ok: false; status: 401 | 429; error: 'wrong_credentials' | 'locked'; message: string; retryAfterMs?: number };

export interface LanAuthOptions {
  users: UserAccounts;
  idleMs: number;
  maxSessionMs: number;
  lockout?: LockoutPolicy;
  now?: () => number;
  /** Told about locks as they happen (the agent's log). */
  onLocked?: (by: 'account' | 'client', username: string, client: string) => void;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class LanAuth {
  private readonly lockout: Lockout;
  private readonly now: () => number;

  constructor(private readonly opts: LanAuthOptions) {
    this.now = opts.now ?? Date.now;
    this.lockout = new Lockout(opts.lockout, this.now);
  }

  async signIn(username: unknown, password: unknown, client: string): Promise<SignInResult> {
    const name = typeof username === 'string' ? username.trim().slice(0, 64) : '';
    const pass = typeof password === 'string' ? password.slice(0, 1024) : '';
    const locked = (state: { by: 'account' | 'client'; retryAfterMs: number }): SignInResult => ({
      ok: false,
      status: 429,
      error: 'locked',
      message:
        state.by === 'account'
          ? `too many wrong passwords for this account; try again in ${Math.ceil(state.retryAfterMs / 60_000)} min or ask IT to reset the password`
          : `too many wrong passwords from this computer; try again in ${Math.ceil(state.retryAfterMs / 60_000)} min`,
      retryAfterMs: state.retryAfterMs,
    });
    const before = this.lockout.check(name, client);
    if (before.locked) return locked(before);

    const user = name ? this.opts.users.user(name) : undefined;
    // An unknown name costs the same scrypt as a known one: no probing for user names by timing.
    const ok = user ? await verifyPassword(pass, user.passwordHash) : (await verifyPassword(pass, await decoyHash()), false);
    const t = this.now();
    if (!ok || !user || !isRole(user.role)) {
      const after = this.lockout.failure(name, client);
      this.opts.users.recordAccessRefusal('sign_in_refused', name, client, user ? 'wrong password' : 'unknown user', t);
      if (after.locked) {
        this.opts.users.recordAccessRefusal('account_locked', name, client, after.by === 'account' ? 'account locked' : 'client address locked', t);
        this.opts.onLocked?.(after.by, name, client);
        return locked(after);
      }
      return { ok: false, status: 401, error: 'wrong_credentials', message: 'wrong user name or password' };
    }
    this.lockout.success(name, client);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = t + this.opts.maxSessionMs;
    this.opts.users.pruneSessions(t, t - this.opts.idleMs);
    this.opts.users.openSession({ tokenHash: hashToken(token), username: user.username, role: user.role, client, createdAt: t, lastSeenAt: t, expiresAt }, t);
    return { ok: true, token, principal: { user: user.username, role: user.role, expiresAt } };
  }

  /** The person behind a session token, or null when it is unknown, expired or idle too long. */
  authenticate(token: string | undefined): Principal | null {
    if (!token) return null;
    const key = hashToken(token);
    const s = this.opts.users.session(key);
    const t = this.now();
    if (!s) return null;
    if (s.expiresAt <= t || t - s.lastSeenAt > this.opts.idleMs || !isRole(s.role)) {
      this.opts.users.closeSession(key, null, t);
      return null;
    }
    this.opts.users.touchSession(key, t);
    return { user: s.username, role: s.role, expiresAt: s.expiresAt };
  }

  signOut(token: string | undefined): void {
    if (!token) return;
    const key = hashToken(token);
    const s = this.opts.users.session(key);
    this.opts.users.closeSession(key, s?.username ?? null, this.now());
  }

  /** After an administrator reset a password: that account may sign in again at once. */
  unlock(username: string): void {
    this.lockout.unlock(username);
  }
}

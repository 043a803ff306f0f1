// Wrong passwords on the status screen (docs/service.md): after a few in a row an account is
// locked for a while, and so is the client address that sent them, whatever account it tries
// next. Both counters forget after a quiet window. Pure bookkeeping on an injected clock.

export interface LockoutPolicy {
  /** Wrong passwords for one account before it is locked. */
  perAccount: number;
  /** Wrong passwords from one client address (all accounts) before it is locked out. */
  perClient: number;
  /** How long a lock lasts, and how long failures are remembered (ms). */
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { perAccount: 5, perClient: 20, lockMs: 15 * 60_000 };

interface Counter {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

export type LockState = { locked: false } | { locked: true; by: 'account' | 'client'; retryAfterMs: number };

export class Lockout {
  private readonly accounts = new Map<string, Counter>();
  private readonly clients = new Map<string, Counter>();

  constructor(
    private readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a login for this account from this address may even be tried now. */
  check(account: string, client: string): LockState {
    const t = this.now();
    const c = this.current(this.clients, client, t);
    if (c && c.lockedUntil > t) return { locked: true, by: 'client', retryAfterMs: c.lockedUntil - t };
    const a = this.current(this.accounts, account.toLowerCase(), t);
    if (a && a.lockedUntil > t) return { locked: true, by: 'account', retryAfterMs: a.lockedUntil - t };
    return { locked: false };
  }

  /** A wrong password (or an unknown account): counts against both. Returns the state after it. */
  failure(account: string, client: string): LockState {
    const t = this.now();
    this.bump(this.accounts, account.toLowerCase(), this.policy.perAccount, t);
    this.bump(this.clients, client, this.policy.perClient, t);
    return this.check(account, client);
  }

  /** A right password: the account's count starts again (the client's too). */
  success(account: string, client: string): void {
    this.accounts.delete(account.toLowerCase());
    this.clients.delete(client);
  }

  /** An administrator reset the password: the account may try again at once. */
  unlock(account: string): void {
    this.accounts.delete(account.toLowerCase());
  }

  private current(map: Map<string, Counter>, key: string, t: number): Counter | undefined {
    const c = map.get(key);
    if (c && c.lockedUntil <= t && t - c.lastFailureAt > this.policy.lockMs) {
      map.delete(key);
      return undefined;
    }
    return c;
  }

  private bump(map: Map<string, Counter>, key: string, limit: number, t: number): void {
    const c = this.current(map, key, t) ?? { failures: 0, lastFailureAt: t, lockedUntil: 0 };
    if (c.lockedUntil > 0 && c.lockedUntil <= t) c.failures = 0; // the lock ran out: a fresh count
    c.failures++;
    c.lastFailureAt = t;
    if (c.failures >= limit) c.lockedUntil = t + this.policy.lockMs;
    map.set(key, c);
    // Bounded memory however many addresses try.
    if (map.size > 10_000) map.delete(map.keys().next().value!);
  }
}

// User accounts and sessions of the LAN status screen (docs/service.md §5), and their audit
// rows: accounts added, removed, passwords changed, sign-ins and refusals, each under the
// name of whoever did it, in the same append-only log as the operator actions.
import type Database from 'better-sqlite3';
import { preparedStatements } from './prepared.js';

export interface UserRow {
  username: string;
  role: string;
  passwordHash: string;
  createdAt: number;
  passwordChangedAt: number;
}

export interface SessionRow {
  tokenHash: string;
  username: string;
  role: string;
  client: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export const AccessAction = {
  userAdded: 'user_added',
  userRemoved: 'user_removed',
  passwordChanged: 'password_changed',
  signedIn: 'signed_in',
  signedOut: 'signed_out',
  signInRefused: 'sign_in_refused',
  accountLocked: 'account_locked',
  /** A person on the LAN screen imported a ministry document (the ministry's own row says applied or refused). */
  configImported: 'config_imported',
} as const;
export type AccessAction = (typeof AccessAction)[keyof typeof AccessAction];

export class UserExistsError extends Error {
  constructor(readonly username: string) {
    super(`there is already a user ${JSON.stringify(username)}`);
  }
}

function prepare(db: Database.Database) {
  return {
    audit: db.prepare('INSERT INTO operator_actions (at, action, target, actor, affected, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    insertUser: db.prepare('INSERT INTO lan_users (username, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    setPassword: db.prepare('UPDATE lan_users SET password_hash = ?, password_changed_at = ? WHERE username = ?'),
    deleteUser: db.prepare('DELETE FROM lan_users WHERE username = ?'),
    user: db.prepare('SELECT username, role, password_hash, created_at, password_changed_at FROM lan_users WHERE username = ?'),
    users: db.prepare('SELECT username, role, password_hash, created_at, password_changed_at FROM lan_users ORDER BY username'),
    endSessionsOf: db.prepare('DELETE FROM lan_sessions WHERE username = ?'),
    insertSession: db.prepare('INSERT INTO lan_sessions (token_hash, username, role, client, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    session: db.prepare('SELECT token_hash, username, role, client, created_at, last_seen_at, expires_at FROM lan_sessions WHERE token_hash = ?'),
    touch: db.prepare('UPDATE lan_sessions SET last_seen_at = ? WHERE token_hash = ?'),
    endSession: db.prepare('DELETE FROM lan_sessions WHERE token_hash = ?'),
    pruneSessions: db.prepare('DELETE FROM lan_sessions WHERE expires_at <= ? OR last_seen_at <= ?'),
  };
}
const stmts = preparedStatements(prepare);

const toUser = (r: Record<string, unknown>): UserRow => ({
  username: String(r.username),
  role: String(r.role),
  passwordHash: String(r.password_hash),
  createdAt: Number(r.created_at),
  passwordChangedAt: Number(r.password_changed_at),
});

const toSession = (r: Record<string, unknown>): SessionRow => ({
  tokenHash: String(r.token_hash),
  username: String(r.username),
  role: String(r.role),
  client: String(r.client),
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
  expiresAt: Number(r.expires_at),
});

export class UserAccountStore {
  constructor(private readonly db: Database.Database) {}

  private audit(action: AccessAction, target: string | null, actor: string, detail: Record<string, unknown> | null, now: number): number {
    return Number(stmts(this.db).audit.run(now, action, target, actor, 1, detail ? JSON.stringify(detail) : null).lastInsertRowid);
  }

  addUser(u: { username: string; role: string; passwordHash: string }, actor: string, now: number): number {
    return this.db.transaction(() => {
      const s = stmts(this.db);
      if (s.insertUser.run(u.username, u.role, u.passwordHash, now, now).changes === 0) throw new UserExistsError(u.username);
      return this.audit(AccessAction.userAdded, u.username, actor, { role: u.role }, now);
    })();
  }

  /** A new password ends the user's sessions. False when there is no such user. */
  setPassword(username: string, passwordHash: string, actor: string, now: number): boolean {
    return this.db.transaction(() => {
      const s = stmts(this.db);
      if (s.setPassword.run(passwordHash, now, username).changes === 0) return false;
      const ended = s.endSessionsOf.run(username).changes;
      this.audit(AccessAction.passwordChanged, username, actor, { sessionsEnded: ended }, now);
      return true;
    })();
  }

  removeUser(username: string, actor: string, now: number): boolean {
    return this.db.transaction(() => {
      const s = stmts(this.db);
      const ended = s.endSessionsOf.run(username).changes;
      if (s.deleteUser.run(username).changes === 0) return false;
      this.audit(AccessAction.userRemoved, username, actor, { sessionsEnded: ended }, now);
      return true;
    })();
  }

  user(username: string): UserRow | undefined {
    const r = stmts(this.db).user.get(username) as Record<string, unknown> | undefined;
    return r && toUser(r);
  }

  listUsers(): UserRow[] {
    return (stmts(this.db).users.all() as Record<string, unknown>[]).map(toUser);
  }

  /** A sign-in: the session and its audit row together. */
  openSession(s: SessionRow, now: number): void {
    this.db.transaction(() => {
      stmts(this.db).insertSession.run(s.tokenHash, s.username, s.role, s.client, s.createdAt, s.lastSeenAt, s.expiresAt);
      this.audit(AccessAction.signedIn, s.username, `${s.username}@lan`, { client: s.client, role: s.role }, now);
    })();
  }

  session(tokenHash: string): SessionRow | undefined {
    const r = stmts(this.db).session.get(tokenHash) as Record<string, unknown> | undefined;
    return r && toSession(r);
  }

  touchSession(tokenHash: string, now: number): void {
    stmts(this.db).touch.run(now, tokenHash);
  }

  closeSession(tokenHash: string, username: string | null, now: number): void {
    this.db.transaction(() => {
      if (stmts(this.db).endSession.run(tokenHash).changes > 0 && username) this.audit(AccessAction.signedOut, username, `${username}@lan`, null, now);
    })();
  }

  /** Sessions past their end, or idle since `idleBefore`. */
  pruneSessions(now: number, idleBefore: number): number {
    return stmts(this.db).pruneSessions.run(now, idleBefore).changes;
  }

  /** Something a signed-in person did that the ministry's own audit rows credit to the ministry. */
  recordPersonAction(action: typeof AccessAction.configImported, target: string | null, actor: string, detail: Record<string, unknown>, now: number): number {
    return this.audit(action, target, actor, detail, now);
  }

  /** A refused sign-in, or an account or address locked: ids and codes, never the password typed. */
  recordAccessRefusal(action: typeof AccessAction.signInRefused | typeof AccessAction.accountLocked, username: string, client: string, reason: string, now: number): number {
    return this.audit(action, username, `${client}@lan`, { client, reason }, now);
  }
}

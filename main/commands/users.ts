// `vhr-agent users add|list|remove|passwd --config FILE`: the accounts of the LAN status screen
// (docs/service.md §5), managed on the agent's machine by whoever may read its data folder.
// Passwords are read from the terminal (not echoed, asked twice) or from standard input, never
// from the command line, where other accounts could see them in the process list.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { Store } from '../store/store.js';
import { UserExistsError } from '../store/userAccounts.js';
import { isRole, ROLE_LABEL, ROLES } from '../auth/access.js';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { lanSettings } from '../config/lanSettings.js';
import { loadLanTls } from '../auth/lanTls.js';
import { CONFIG_OPTION, defineCommand, requireConfig, UsageError, type CommandGroup } from './command.js';

export class UsersUsageError extends UsageError {}

export interface UsersIo {
  /** The new password: from the terminal or standard input. */
  readPassword(prompt: string): Promise<string>;
  out(text: string): void;
  err(text: string): void;
}

const USER_NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{1,63}$/u;

/** Who ran the command, for the audit log. */
function cliActor(): string {
  try {
    return `${userInfo().username}@cli`;
  } catch {
    return 'cli';
  }
}

export async function runUsers(config: AgentConfig, sub: string | undefined, args: { username?: string; role?: string }, io: UsersIo = terminalIo()): Promise<number> {
  const dbPath = join(config.dataDir, 'vhr-agent.db');
  // The service creates its database under its own account; one made here would belong to
  // whoever ran this command and lock the service out of it.
  if (!existsSync(dbPath)) {
    io.err(`vhr-agent: no database at ${dbPath} yet: start the agent (or the service) once, then add users\n`);
    return 1;
  }
  const store = Store.open(dbPath);
  try {
    const users = store.users;
    const now = Date.now();
    const name = args.username;
    const needName = () => {
      if (!name) throw new UsersUsageError(`users ${sub} needs a USER name`);
      return name;
    };
    switch (sub) {
      case 'list': {
        const rows = users.listUsers();
        if (rows.length === 0) io.out('Chưa có tài khoản / no users yet\n');
        for (const u of rows) io.out(`${u.username.padEnd(24)} ${u.role.padEnd(8)} ${ROLE_LABEL[u.role as 'officer'] ?? ''}  mật khẩu đổi / password set ${new Date(u.passwordChangedAt).toISOString()}\n`);
        const lan = lanSettings(config);
        if (lan) {
          const tls = loadLanTls(lan, config.dataDir);
          io.out(`\nMàn hình mạng nội bộ / LAN screen: https://<${lan.host === '0.0.0.0' ? 'this machine' : lan.host}>:${lan.port}/  TLS SHA-256 ${tls.fingerprint256}\n`);
        } else io.out('\nMàn hình mạng nội bộ đang tắt / the LAN screen is off (statusApi.lan.enabled)\n');
        return 0;
      }
      case 'add': {
        const username = needName();
        if (!USER_NAME.test(username)) throw new UsersUsageError('a user name is 2 to 64 letters, digits or . _ @ - (starting with a letter or digit)');
        if (!isRole(args.role)) throw new UsersUsageError(`users add needs --role ${ROLES.join('|')}`);
        if (users.user(username)) {
          io.err(`vhr-agent: there is already a user ${username} (users passwd to change the password)\n`);
          return 1;
        }
        const password = await newPassword(io, username);
        if (password === null) return 1;
        try {
          users.addUser({ username, role: args.role, passwordHash: await hashPassword(password) }, cliActor(), now);
        } catch (err) {
          if (err instanceof UserExistsError) {
            io.err(`vhr-agent: ${err.message}\n`);
            return 1;
          }
          throw err;
        }
        io.out(`Đã thêm / added ${username} (${ROLE_LABEL[args.role]})\n`);
        return 0;
      }
      case 'passwd': {
        const username = needName();
        if (!users.user(username)) {
          io.err(`vhr-agent: no user ${username}\n`);
          return 1;
        }
        const password = await newPassword(io, username);
        if (password === null) return 1;
        users.setPassword(username, await hashPassword(password), cliActor(), now);
        io.out(`Đã đổi mật khẩu / password changed for ${username}; their sessions are ended\n`);
        return 0;
      }
      case 'remove': {
        const username = needName();
        if (!users.removeUser(username, cliActor(), now)) {
          io.err(`vhr-agent: no user ${username}\n`);
          return 1;
        }
        io.out(`Đã xóa / removed ${username}; their sessions are ended\n`);
        return 0;
      }
      default:
        throw new UsersUsageError(`users needs add, list, remove or passwd${sub ? `, got "${sub}"` : ''}`);
    }
  } finally {
    store.close();
  }
}

async function newPassword(io: UsersIo, username: string): Promise<string | null> {
  const password = await io.readPassword(`Mật khẩu mới cho / new password for ${username}: `);
  const problem = passwordProblem(password, username);
  if (problem) {
    io.err(`vhr-agent: ${problem}\n`);
    return null;
  }
  return password;
}

/** The terminal (no echo, asked twice) or, when piped, the first line of standard input. */
export function terminalIo(): UsersIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    async readPassword(prompt) {
      if (!process.stdin.isTTY) return (await readAll(process.stdin)).split(/\r?\n/)[0] ?? '';
      const first = await askHidden(prompt);
      const again = await askHidden('Nhập lại / again: ');
      if (first !== again) throw new UsersUsageError('the two passwords differ');
      return first;
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsersUsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const ROLE_OPTION = { type: 'string', value: 'ROLE', description: `officer (view, retry, resend, cancel) or admin (also configuration, pause/resume)` } as const;

function oneUser(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`users ${sub} takes one USER name (the password is asked for, never given here)`);
  return positionals[0]!;
}

export const command: CommandGroup = {
  name: 'users',
  summary: 'accounts of the status screen on the hospital LAN (docs/service.md)',
  subcommands: [
    defineCommand({
      name: 'add',
      summary: 'add an account; the password is read from the terminal or standard input',
      usage: '[--config FILE] --role officer|admin USER',
      options: { config: CONFIG_OPTION, role: ROLE_OPTION },
      run: ({ values, positionals }) => runUsers(requireConfig(values, 'users add'), 'add', { username: oneUser(positionals, 'add'), role: values.role }),
    }),
    defineCommand({
      name: 'list',
      summary: 'the accounts, their roles, and the LAN screen certificate fingerprint',
      usage: '[--config FILE]',
      options: { config: CONFIG_OPTION },
      run: ({ values }) => runUsers(requireConfig(values, 'users list'), 'list', {}),
    }),
    defineCommand({
      name: 'passwd',
      summary: "set a new password (read from the terminal or standard input); ends the user's sessions",
      usage: '[--config FILE] USER',
      options: { config: CONFIG_OPTION },
      run: ({ values, positionals }) => runUsers(requireConfig(values, 'users passwd'), 'passwd', { username: oneUser(positionals, 'passwd') }),
    }),
    defineCommand({
      name: 'remove',
      summary: "remove an account; ends the user's sessions",
      usage: '[--config FILE] USER',
      options: { config: CONFIG_OPTION },
      run: ({ values, positionals }) => runUsers(requireConfig(values, 'users remove'), 'remove', { username: oneUser(positionals, 'remove') }),
    }),
  ],
};

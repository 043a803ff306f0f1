// `vhr-agent keys rotate --config FILE`: a new data key seals every stored payload, then keys
// no payload needs any more are removed. Run while the agent is stopped: a running agent keeps
// the keyring it started with.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { AgentConfig } from '../config/schema.js';
import { Store } from '../store/store.js';
import { dropUnusedKeys, openKeyring, rotateKey } from '../store/keyring.js';
import type { ApiInfo } from '../api/contract.js';
import { callAgent } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';
import { CONFIG_OPTION, defineCommand, requireConfig, type CommandGroup } from './command.js';

/** Who rotated, for the audit log: the OS account running the command. */
function cliActor(): string {
  try {
    return `${userInfo().username}@cli`;
  } catch {
    return 'cli';
  }
}

async function agentIsRunning(dataDir: string): Promise<boolean> {
  const file = join(dataDir, 'api.json');
  if (!existsSync(file)) return false;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as ApiInfo;
    return (await callAgent(info, ROUTES.status, { timeoutMs: 2000 })).ok;
  } catch {
    return false;
  }
}

export async function rotateKeys(config: AgentConfig): Promise<number> {
  if (config.security.dataKey) {
    process.stderr.write('vhr-agent keys: the data key comes from security.dataKey; rotate it by giving a new key there\n');
    return 1;
  }
  if (await agentIsRunning(config.dataDir)) {
    process.stderr.write('vhr-agent keys: the agent is running; stop it, rotate, then start it again\n');
    return 1;
  }
  const keyring = { path: join(config.dataDir, 'keys.json') };
  const keyBefore = openKeyring(keyring).currentKeyId; // also creates the keyring on a fresh install
  const id = rotateKey(keyring);
  const store = Store.open(join(config.dataDir, 'vhr-agent.db'), openKeyring(keyring, config.security.encryptAtRest));
  let resealed = 0;
  try {
    const keysInUseBefore = [...store.keysInUse()];
    for (let after: number | null = 0; after !== null; ) {
      const r = store.resealPayloads(after, 500);
      resealed += r.changed;
      after = r.nextAfterId;
    }
    const keysInUseAfter = [...store.keysInUse()];
    const dropped = dropUnusedKeys(keyring, store.keysInUse());
    store.recordKeyRotation({ actor: cliActor(), keyBefore, keyAfter: id, keysInUseBefore, keysInUseAfter, dropped, resealed }, Date.now());
    store.reclaimSpace();
    process.stdout.write(`vhr-agent keys: data key ${id} is now current; ${resealed} record(s) re-sealed${dropped.length ? `; old key(s) ${dropped.join(', ')} removed` : ''}\n`);
  } finally {
    store.close();
  }
  return 0;
}

export const command: CommandGroup = {
  name: 'keys',
  summary: 'manage the data key that seals stored payloads',
  subcommands: [
    defineCommand({
      name: 'rotate',
      summary: 'seal every stored payload with a new data key (agent stopped)',
      usage: '--config FILE',
      options: { config: CONFIG_OPTION },
      run: ({ values }) => rotateKeys(requireConfig(values, 'keys rotate')),
    }),
  ],
};

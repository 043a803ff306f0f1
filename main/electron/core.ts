// The agent core inside the Electron app (DESIGN §2): run by `utilityProcess.fork` so that
// synchronous SQLite work never blocks the window. It starts the same Agent as
// `vhr-agent run`, reports the status API's address to the main process, and stops cleanly
// when asked.
import { Agent } from '../agent/agent.js';
import { loadConfigFile } from '../config/load.js';
import { closeLogger } from '../log.js';
import type { ApiInfo } from '../api/contract.js';

export type CoreMessage = { type: 'ready'; api: ApiInfo } | { type: 'failed'; message: string; code?: string };

const parentPort = process.parentPort;
const configPath = process.argv[process.argv.indexOf('--config') + 1];

function post(message: CoreMessage): void {
  parentPort.postMessage(message);
}

async function main(): Promise<void> {
  if (!configPath || process.argv.indexOf('--config') < 0) throw new Error('no --config given to the agent core');
  const agent = new Agent(loadConfigFile(configPath));
  await agent.start();
  post({ type: 'ready', api: agent.apiInfo! });
  parentPort.on('message', (e: { data: unknown }) => {
    if (e.data !== 'stop') return;
    void agent
      .stop()
      .then(() => closeLogger(agent.logger))
      .finally(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  const code = (err as { code?: unknown }).code;
  post({ type: 'failed', message: err.message, ...(typeof code === 'string' ? { code } : {}) });
  process.exit(1);
});

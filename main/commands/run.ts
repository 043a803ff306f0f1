// `vhr-agent run --config FILE`: the agent, headless, until SIGTERM or Ctrl+C.
import { Agent } from '../agent/agent.js';
import type { AgentConfig } from '../config/schema.js';
import { closeLogger } from '../log.js';

export async function runAgent(config: AgentConfig, opts: { console: boolean }): Promise<number> {
  const agent = new Agent(config, { console: opts.console });
  await agent.start();
  process.stdout.write(`vhr-agent đang chạy / running — status API ${agent.apiInfo!.url}  (token and UI link in ${config.dataDir}/api.json)\n`);
  if (agent.lanInfo) process.stdout.write(`màn hình mạng nội bộ / LAN status screen ${agent.lanInfo.url} — TLS SHA-256 ${agent.lanInfo.fingerprint256}\n`);
  await waitForStopSignal();
  process.stdout.write('vhr-agent: stopping…\n');
  await agent.stop();
  await closeLogger(agent.logger);
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

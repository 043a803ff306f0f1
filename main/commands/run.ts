// `vhr-agent run --config FILE`: the agent, headless, until SIGTERM or Ctrl+C.
import { Agent } from '../agent/agent.js';
import type { AgentConfig } from '../config/schema.js';
import { closeLogger } from '../log.js';
import { CONFIG_OPTION, defineCommand, requireConfig } from './command.js';

export async function runAgent(config: AgentConfig, opts: { console: boolean }): Promise<number> {
  const agent = new Agent(config, { console: opts.console });
  try {
    await agent.start();
  } catch (err) {
    // Refused (another agent holds the data folder, say): nothing may keep the process up.
    await closeLogger(agent.logger);
    throw err;
  }
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

export const command = defineCommand({
  name: 'run',
  summary: 'run the agent headless (SIGTERM/Ctrl+C stops it cleanly)',
  usage: '[--config FILE] [--quiet]',
  options: { config: CONFIG_OPTION, quiet: { type: 'boolean', description: 'no log lines on the console (the log files are written all the same)' } },
  details: 'Writes <dataDir>/api.json (0600) with the status API URL, its token and a URL that opens the UI.',
  run: ({ values }) => runAgent(requireConfig(values, 'run'), { console: !values.quiet }),
});

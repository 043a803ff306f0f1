// `vhr-agent setup`: the first-run setup, headless. Serves the setup page on loopback and prints
// a one-time link; the page checks each answer and writes the configuration to the documented
// place of this platform (or --config). Stops on Ctrl+C/SIGTERM.
import { resolve } from 'node:path';
import { documentedLocations, resolveConfigPath } from '../service/locations.js';
import { startSetupServer } from '../setup/setupServer.js';
import { defineCommand, wholeNumber } from './command.js';
import { waitForStopSignal } from './run.js';

export const command = defineCommand({
  name: 'setup',
  summary: 'first-run setup: a page on this machine that checks each answer and writes the configuration',
  usage: '[--config FILE] [--data DIR] [--port N]',
  options: {
    config: { type: 'string', value: 'FILE', description: 'where to write the configuration; default VHR_AGENT_CONFIG, else /etc/vhr-agent/config.yaml (Windows: %ProgramData%\\vhr-agent\\config.yaml)' },
    data: { type: 'string', value: 'DIR', description: 'data folder suggested on the page; default /var/lib/vhr-agent (Windows: %ProgramData%\\vhr-agent\\data)' },
    port: { type: 'string', value: 'N', description: 'port of the setup page on 127.0.0.1 (default: any free port)' },
  },
  details: 'Open the printed link in a browser on this machine; the link holds a one-time token and works only while setup runs.',
  async run({ values }) {
    const configPath = resolve(resolveConfigPath(values.config));
    const setup = await startSetupServer({
      configPath,
      dataDir: values.data ? resolve(values.data) : documentedLocations().dataDir,
      port: wholeNumber(values.port, 'port', 0),
    });
    process.stdout.write(`Cài đặt lần đầu / first-run setup — mở liên kết này trên máy này / open this link on this machine:\n  ${setup.link}\n`);
    process.stdout.write(`Tệp cấu hình sẽ được ghi vào / the configuration will be written to: ${configPath}\n(Ctrl+C để dừng / to stop)\n`);
    await waitForStopSignal();
    await setup.close();
    return 0;
  },
});

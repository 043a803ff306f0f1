// `vhr-agent status`: asks a running agent (found through <dataDir>/api.json) for its status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo, StatusResponse } from '../api/contract.js';
import { callAgent } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';
import { CONFIG_OPTION, dataDirOf, defineCommand } from './command.js';

export async function showStatus(dataDir: string, opts: { json: boolean }): Promise<number> {
  let info: ApiInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as ApiInfo;
  } catch {
    process.stderr.write(`vhr-agent: no running agent found (no ${join(dataDir, 'api.json')})\n`);
    return 1;
  }
  let status: StatusResponse;
  try {
    const res = await callAgent(info, ROUTES.status, { timeoutMs: 5000 });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    status = res.body;
  } catch (err) {
    process.stderr.write(`vhr-agent: the agent at ${info.url} does not answer (${(err as Error).message}); is it running?\n`);
    return 1;
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `vhr-agent ${status.version} — cơ sở / facility ${status.facility.code}`,
    `Hồ sơ / records: ${status.counts.received} nhận/received, ${status.counts.converted} chuyển đổi/converted, ${status.counts.invalid} lỗi/invalid`,
    'Nguồn / sources:',
    ...status.sources.map((s) => `  ${s.id.padEnd(16)} ${s.state.padEnd(10)} ${s.received} received${s.lastReceivedAt ? `, last ${s.lastReceivedAt}` : ''}`),
    'Đích / destinations:',
    ...status.destinations.map(
      (d) =>
        `  ${d.id.padEnd(16)} ${d.state.padEnd(10)} pending ${d.pending}, delivered ${d.delivered}, rejected ${d.rejected}${d.lastSuccessAt ? `, last success ${d.lastSuccessAt}` : ''}${d.lastError ? `\n${' '.repeat(29)}last error ${d.lastError.code}: ${d.lastError.message}` : ''}${(d.inParts ?? [])
          .map((p) => `\n${' '.repeat(29)}hồ sơ/record ${p.messageId}: phần ${p.part}/${p.of} (part ${p.part} of ${p.of})`)
          .join('')}`,
    ),
    `UI: ${info.uiUrl}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

export const command = defineCommand({
  name: 'status',
  summary: 'status of a running agent',
  usage: '[--config FILE | --data DIR] [--json]',
  options: {
    config: CONFIG_OPTION,
    data: { type: 'string', value: 'DIR', description: "the agent's data folder instead of its configuration (default .vhr-demo)" },
    json: { type: 'boolean', description: 'the status API answer as JSON' },
  },
  run: ({ values }) => showStatus(dataDirOf(values, '.vhr-demo')!, { json: values.json === true }),
});

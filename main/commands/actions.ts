// Operator actions from the command line (`retry`, `resend`, `cancel`, `pause`, `resume`):
// the same audited actions as the status UI, sent to the running agent of a configuration
// through its loopback API, so they take effect at once and survive restarts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo, OperatorActionRequest } from '../api/contract.js';
import { callAgent, type AgentAnswer } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';

export async function runAction(dataDir: string, request: OperatorActionRequest): Promise<number> {
  let info: ApiInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as ApiInfo;
  } catch {
    process.stderr.write(`vhr-agent: no running agent found (no ${join(dataDir, 'api.json')}); start it first\n`);
    return 1;
  }
  let res: AgentAnswer<typeof ROUTES.act>;
  try {
    res = await callAgent(info, ROUTES.act, { body: { ...request, via: 'cli' } });
  } catch (err) {
    process.stderr.write(`vhr-agent: the agent at ${info.url} does not answer (${(err as Error).message}); is it running?\n`);
    return 1;
  }
  if (!res.ok) {
    process.stderr.write(`vhr-agent: ${request.action} refused: ${res.body.message ?? `HTTP ${res.status}`}\n`);
    return 1;
  }
  const body = res.body;
  process.stdout.write(`vhr-agent: ${request.action} done: ${body.affected ?? 0} changed (audit #${body.auditId})\n`);
  return 0;
}

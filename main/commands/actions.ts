// Operator actions from the command line (`retry`, `resend`, `cancel`, `pause`, `resume`):
// the same audited actions as the status UI, sent to the running agent of a configuration
// through its loopback API, so they take effect at once and survive restarts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo, OperatorActionRequest, OperatorActionResponse } from '../api/contract.js';
import { callAgent, type AgentAnswer } from '../api/agentClient.js';
import { ROUTES } from '../api/routeTable.js';
import { CONFIG_OPTION, dataDirOf, defineCommand, UsageError } from './command.js';

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

// ── The commands: one per action, all sent through runAction ──────────────────────────

const TARGET = {
  config: CONFIG_OPTION,
  data: { type: 'string', value: 'DIR', description: "the agent's data folder instead of its configuration" },
} as const;
const ID = { type: 'string', value: 'N', description: 'record id (as shown in the UI)' } as const;
const DESTINATION = { type: 'string', value: 'ID', description: 'destination id from the configuration' } as const;
const AUDITED = 'Sent to the running agent of that configuration; audited like the same action in the UI.';

function runningAgent(values: { config?: string; data?: string }, command: string): string {
  const dataDir = dataDirOf(values);
  if (!dataDir) throw new UsageError(`${command} needs --config FILE (of the running agent)`);
  return dataDir;
}

function recordId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('--id must be a record id (a positive number)');
  return id;
}

export const retryCommand = defineCommand({
  name: 'retry',
  summary: 'deliver a record again now, or every rejected one',
  usage: '--config FILE (--id N | --rejected [--destination ID])',
  options: { ...TARGET, id: ID, rejected: { type: 'boolean', description: 'every rejected delivery (of one destination, or all)' }, destination: DESTINATION },
  details: AUDITED,
  run: ({ values }) => {
    const dataDir = runningAgent(values, 'retry');
    const id = recordId(values.id);
    if (id !== undefined) return runAction(dataDir, { action: 'retry_message', messageId: id });
    if (values.rejected) return runAction(dataDir, { action: 'retry_rejected', destinationId: values.destination });
    throw new UsageError('retry needs --id N, or --rejected [--destination ID]');
  },
});

export const resendCommand = defineCommand({
  name: 'resend',
  summary: 'send records to a destination again',
  usage: '--config FILE --destination ID (--id N | --all | [--from DAY] [--to DAY] [--state STATE])',
  options: {
    ...TARGET,
    destination: DESTINATION,
    id: ID,
    all: { type: 'boolean', description: 'every converted record' },
    from: { type: 'string', value: 'DAY', description: 'received on or after this day (YYYY-MM-DD, UTC+7)' },
    to: { type: 'string', value: 'DAY', description: 'received on or before this day' },
    state: { type: 'string', value: 'STATE', description: 'only deliveries in this state' },
  },
  details: AUDITED,
  run: ({ values }) => {
    const dataDir = runningAgent(values, 'resend');
    const id = recordId(values.id);
    const dest = values.destination;
    if (!dest) throw new UsageError('resend needs --destination ID');
    if (id !== undefined) return runAction(dataDir, { action: 'resend', messageId: id, destinationId: dest });
    const filtered = values.from !== undefined || values.to !== undefined || values.state !== undefined;
    if (!filtered && !values.all) throw new UsageError('resend needs --id N, a filter (--from DAY --to DAY --state STATE), or --all');
    return runAction(dataDir, { action: 'resend_matching', destinationId: dest, from: values.from, to: values.to, deliveryState: values.state });
  },
});

export const cancelCommand = defineCommand({
  name: 'cancel',
  summary: "take a record's unfinished deliveries out of the queue",
  usage: '--config FILE --id N [--destination ID]',
  options: { ...TARGET, id: ID, destination: DESTINATION },
  details: AUDITED,
  run: ({ values }) => {
    const dataDir = runningAgent(values, 'cancel');
    const id = recordId(values.id);
    if (id === undefined) throw new UsageError('cancel needs --id N [--destination ID]');
    return runAction(dataDir, { action: 'cancel', messageId: id, destinationId: values.destination });
  },
});

function pauseOrResume(name: 'pause' | 'resume') {
  return defineCommand({
    name,
    summary: name === 'pause' ? 'stop deliveries to a destination until resumed' : 'deliver to a paused destination again',
    usage: '--config FILE --destination ID',
    options: { ...TARGET, destination: DESTINATION },
    details: AUDITED,
    run: ({ values }) => {
      const dataDir = runningAgent(values, name);
      if (!values.destination) throw new UsageError(`${name} needs --destination ID`);
      return runAction(dataDir, { action: name === 'pause' ? 'pause_destination' : 'resume_destination', destinationId: values.destination });
    },
  });
}
export const pauseCommand = pauseOrResume('pause');
export const resumeCommand = pauseOrResume('resume');

// GET /api/logs (DESIGN §8): the agent's own log lines (<dataDir>/logs/vhr-agent-YYYY-MM-DD.log,
// one JSON object a line, main/log.ts), filtered by least severe level and a time window,
// newest first. The log holds no patient data (DESIGN §9), so it may be shown as written.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEntryDto } from './contract.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogQuery {
  /** Least severe level included (default info). */
  level?: LogLevel;
  since?: number;
  until?: number;
  limit?: number;
}

const FILE = /^vhr-agent-(\d{4}-\d{2}-\d{2})\.log$/;
const DAY_MS = 86_400_000;

export function readLogs(dir: string, q: LogQuery = {}): LogEntryDto[] {
  const most = LOG_LEVELS.indexOf(q.level ?? 'info');
  const limit = q.limit ?? 200;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => FILE.test(f));
  } catch {
    return [];
  }
  // Newest file first; a file holds one UTC-ish day, so files wholly outside the window are skipped.
  files.sort().reverse();
  const out: LogEntryDto[] = [];
  for (const f of files) {
    const day = Date.parse(`${FILE.exec(f)![1]}T00:00:00Z`);
    if (q.since !== undefined && day + 2 * DAY_MS < q.since) break;
    if (q.until !== undefined && day - DAY_MS > q.until) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // a line cut by a crash
      }
      const level = String(entry.level ?? '');
      const rank = LOG_LEVELS.indexOf(level as LogLevel);
      if (rank < 0 || rank > most) continue;
      const at = Date.parse(String(entry.timestamp ?? ''));
      if (Number.isNaN(at) || (q.since !== undefined && at < q.since) || (q.until !== undefined && at > q.until)) continue;
      const { level: _l, message, timestamp: _t, ...fields } = entry;
      out.push({ at: new Date(at).toISOString(), level, message: String(message ?? ''), fields });
    }
    if (out.length >= limit) break;
  }
  return out;
}

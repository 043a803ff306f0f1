// Operations log (STYLE habit 11): ids, codes and counts as structured fields; never patient
// data at info/warn level. Daily rotation under <dataDir>/logs/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';

export type Logger = winston.Logger;

export interface LoggerOptions {
  dataDir?: string;
  level?: string;
  retainDays?: number;
  /** Also print to the console (headless runs); off in tests. */
  console?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = [];
  if (opts.dataDir) {
    const dir = join(opts.dataDir, 'logs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    transports.push(
      new DailyRotateFile({
        dirname: dir,
        filename: 'vhr-agent-%DATE%.log',
        datePattern: 'YYYY-MM-DD',
        maxFiles: `${opts.retainDays ?? 30}d`,
        options: { mode: 0o600 },
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  if (opts.console) {
    transports.push(
      new winston.transports.Console({
        format: winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss' }),
          winston.format.printf(({ timestamp, level, message, ...fields }) => {
            const extra = Object.entries(fields)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${timestamp} ${level.padEnd(5)} ${message}${extra ? ' ' + extra : ''}`;
          }),
        ),
      }),
    );
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({ level: opts.level ?? 'info', transports });
}

/** Flushes file transports before exit. */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
    setTimeout(resolve, 1000).unref();
  });
}

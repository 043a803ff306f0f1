// Watched-folder source: the HIS drops claim XML exports into a folder; each stable file is
// read once, its records committed, and only then moved to processed/ (or to error/ with a
// `<name>.error.txt` that says what is wrong and where). See DESIGN §4.1, §4.2. Links and
// special files are never followed or opened, and nothing already in processed/ or error/ is
// replaced or written through (safeFs.ts, docs/security.md).
import chokidar, { type FSWatcher } from 'chokidar';
import { mkdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { problemText } from '../../formats/problemTexts.js';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '../../../main/log.js';
import type { IntakeSink } from '../../../main/store/ports.js';
import { FileState } from '../../../main/store/states.js';
import type { FolderSourceConfig } from '../../../main/config/schema.js';
import { SourceState, type Source, type SourceStatus } from '../types.js';
import { isIgnoredFileName } from './fileNames.js';
import { moveExclusive, openRegularFile, printableName, RefusedEntryError, refusalReason, writeReportExclusive } from './safeFs.js';
import { FileStabilizer, fileSignature, sameSignature, type FileSignature } from './stableFile.js';
import { intakeClaimFile, type FileIntakeResult } from './claimFileIntake.js';
import { intakeHl7File } from './hl7FileIntake.js';
import { Hl7Intake } from '../mllp/intake.js';
import { sniffFileFormat } from './sniff.js';

export interface FolderSourceOptions {
  config: FolderSourceConfig;
  store: IntakeSink;
  logger: Logger;
  /** Records per intake transaction. */
  batchRecords?: number;
  onCommitted?: (ids: number[]) => void;
  now?: () => number;
  /** First wait before a file is tried again after a failure that is not its fault (default 2 s, doubling to 1 min). */
  retryMs?: number;
}

export const FolderErrorCode = {
  fileTooLarge: 'FILE_TOO_LARGE',
  /** A link, FIFO, socket or device: refused unread. */
  notRegular: 'FILE_NOT_REGULAR',
} as const;

const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;
const RETRY_MAX_MS = 60_000;

/** Codes of envelope failures that a still-growing file would also produce. */
const MAYBE_INCOMPLETE = new Set(['ENVELOPE_TRUNCATED', 'ENVELOPE_MALFORMED', 'ENVELOPE_EMPTY', 'ENVELOPE_ENCODING']);

export class FolderSource implements Source {
  readonly id: string;
  private watcher?: FSWatcher;
  private readonly stabilizer: FileStabilizer;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  /** Files that failed to parse once; moved to error/ only if still unchanged after a quiet period. */
  private readonly suspect = new Map<string, FileSignature>();
  private running = false;
  private draining?: Promise<void>;
  private state: SourceState = SourceState.stopped;
  private detail?: string;
  private progress?: SourceStatus['progress'];
  filesDone = 0;
  filesFailed = 0;
  private hl7Intake?: Hl7Intake;
  /**
   * Files whose intake failed for a reason outside the file (disk full, data folder read-only,
   * database locked): they stay in the inbox and are tried again; the wait doubles each time.
   */
  private readonly retryWait = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: FolderSourceOptions) {
    this.id = opts.config.id;
    this.stabilizer = new FileStabilizer(opts.config.quietMs, (path) => this.enqueue(path));
  }

  async start(): Promise<void> {
    const { config, logger } = this.opts;
    this.state = SourceState.starting;
    this.running = true;
    for (const dir of [config.path, config.processedDir, config.errorDir]) mkdirSync(dir, { recursive: true });
    const inbox = resolve(config.path);
    const skipDirs = new Set([resolve(config.processedDir), resolve(config.errorDir)]);
    this.watcher = chokidar.watch(inbox, {
      depth: 0,
      ignoreInitial: false,
      // A link is reported as the entry it is (and refused), never followed.
      followSymlinks: false,
      ignored: (p: string) => resolve(p) !== inbox && (skipDirs.has(resolve(p)) || isIgnoredFileName(p)),
    });
    const onFile = (p: string) => {
      if (dirname(resolve(p)) !== inbox || isIgnoredFileName(p)) return;
      void this.stabilizer.touch(p);
    };
    this.watcher.on('add', onFile);
    this.watcher.on('change', onFile);
    this.watcher.on('unlink', (p) => this.stabilizer.forget(p));
    this.watcher.on('error', (err) => {
      this.state = SourceState.error;
      this.detail = `cannot watch ${config.path}: ${(err as Error).message}`;
      logger.error('folder watch failed', { source: this.id, error: (err as Error).message });
    });
    await new Promise<void>((ready) => this.watcher!.once('ready', () => ready()));
    this.state = SourceState.watching;
    this.detail = undefined;
    logger.info('watching folder', { source: this.id, path: config.path });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stabilizer.clear();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await this.watcher?.close();
    await this.draining;
    this.state = SourceState.stopped;
  }

  status(): SourceStatus {
    return { id: this.id, type: 'folder', state: this.state, detail: this.detail, progress: this.progress };
  }

  /** Resolves when no file is queued or being read (used by tests and the demo). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private enqueue(path: string): void {
    if (!this.running || this.queued.has(path)) return;
    this.queued.add(path);
    this.queue.push(path);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  // One file at a time per source: memory stays flat and records keep their file order.
  private async drain(): Promise<void> {
    while (this.running && this.queue.length) {
      const path = this.queue.shift()!;
      try {
        await this.processFile(path);
        this.recovered(path);
      } catch (err) {
        this.retryLater(path, err as Error);
      } finally {
        this.queued.delete(path);
        this.progress = undefined;
      }
    }
  }

  /**
   * Nothing was committed for this file, or not all of it: the file stays where it is, the
   * source shows the reason, and the file is read again later (intake resumes after the
   * records already committed, DESIGN §4.2). When the fault clears, the source recovers.
   */
  private retryLater(path: string, err: Error): void {
    const wait = this.retryWait.get(path) ?? this.opts.retryMs ?? 2000;
    this.retryWait.set(path, Math.min(wait * 2, RETRY_MAX_MS));
    const code = (err as { code?: unknown }).code;
    const reason = `${typeof code === 'string' ? `${code}: ` : ''}${err.message}`;
    this.opts.logger.error('file intake failed; the file stays in the inbox and will be tried again', { source: this.id, file: basename(path), error: reason, retryInMs: wait });
    this.state = SourceState.error;
    this.detail = `cannot take in ${basename(path)} (${reason}); it stays in the inbox and is tried again in ${Math.ceil(wait / 1000)} s`;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.enqueue(path);
    }, wait);
    this.retryTimers.add(timer);
  }

  private recovered(path: string): void {
    this.retryWait.delete(path);
    if (this.state === SourceState.error && this.retryWait.size === 0) {
      this.state = SourceState.watching;
      this.detail = undefined;
      this.opts.logger.info('folder source recovered', { source: this.id });
    }
  }

  private async processFile(path: string): Promise<void> {
    const sig = await fileSignature(path);
    if (!sig) return;
    if (sig.kind !== 'file') {
      await this.refuse(path, refusalReason(sig.kind));
      return;
    }
    let file;
    try {
      file = await openRegularFile(path);
    } catch (err) {
      if (err instanceof RefusedEntryError) return this.refuse(path, err.message);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // moved away by its writer
      throw err;
    }
    try {
      await this.processOpenFile(path, file.handle, file.size);
    } finally {
      await file.handle.close();
    }
  }

  /** A link or special file: moved (as the entry itself) to error/ with the reason; never opened. */
  private async refuse(path: string, message: string): Promise<void> {
    await this.moveToError(path, { ...emptyResult(), outcome: 'failed', error: { code: FolderErrorCode.notRegular, message } });
  }

  private async processOpenFile(path: string, handle: FileHandle, size: number): Promise<void> {
    const { store, logger, config } = this.opts;
    const name = basename(path);
    const maxFileBytes = config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (size > maxFileBytes) {
      const message = `the file is ${size} bytes, above this source's limit of ${maxFileBytes} bytes (maxFileBytes); it was not read`;
      await this.moveToError(path, { ...emptyResult(), outcome: 'failed', error: { code: FolderErrorCode.fileTooLarge, message } }, handle);
      return;
    }
    this.progress = { file: name, bytesRead: 0, bytesTotal: size, records: 0 };
    const format = config.format === 'auto' ? ((await sniffFileFormat(path, handle)) ?? 'xml130') : config.format;
    const result = format === 'hl7v2' ? await this.readHl7File(path, handle) : await intakeClaimFile({
      store,
      sourceId: this.id,
      path,
      handle,
      batchRecords: this.opts.batchRecords ?? config.commitEvery,
      now: this.opts.now,
      onProgress: (p) => (this.progress = { file: name, ...p }),
      onCommitted: this.opts.onCommitted,
      maxRecordChars: config.maxRecordBytes,
    });
    if (result.outcome === 'failed') {
      const after = await fileSignature(path);
      const before = this.suspect.get(path);
      // A writer that paused longer than quietMs looks like a truncated file: give it one
      // more quiet period; only a file that stays unchanged and unreadable is an error.
      if (after && MAYBE_INCOMPLETE.has(result.error!.code) && !(before && sameSignature(before, after))) {
        this.suspect.set(path, after);
        logger.info('file unreadable, waiting in case it is still being written', { source: this.id, file: name, code: result.error!.code });
        void this.stabilizer.touch(path);
        return;
      }
      this.suspect.delete(path);
      store.finishFile(result.fileId, FileState.failed, (this.opts.now ?? Date.now)(), { code: result.error!.code, message: result.error!.message });
      await this.moveToError(path, result, handle);
      return;
    }
    this.suspect.delete(path);
    // A file with any refused or invalid record goes to error/ with its report (the records
    // that could be kept are kept); only a wholly clean file goes to processed/.
    if (result.problems.length) await this.moveToError(path, result, handle);
    else {
      await moveExclusive(path, config.processedDir, name, handle);
      this.filesDone++;
    }
    logger.info('file ingested', {
      source: this.id,
      file: name,
      records: result.recordsInFile,
      new: result.newRecords,
      duplicates: result.duplicates,
      invalid: result.problems.length,
      outcome: result.outcome,
    });
  }

  private async readHl7File(path: string, handle: FileHandle): Promise<FileIntakeResult> {
    this.hl7Intake ??= new Hl7Intake({ sourceId: this.id, store: this.opts.store });
    const result = await intakeHl7File({ store: this.opts.store, sourceId: this.id, path, handle, intake: this.hl7Intake, now: this.opts.now });
    if (result.newRecords) this.opts.onCommitted?.([]);
    return result;
  }

  private async moveToError(path: string, result: FileIntakeResult, handle?: FileHandle): Promise<void> {
    const { config, logger } = this.opts;
    const target = await moveExclusive(path, config.errorDir, basename(path), handle);
    await writeReportExclusive(config.errorDir, basename(target), describeFailure(basename(path), result, basename(target)));
    this.filesFailed++;
    logger.warn('file moved to error folder', {
      source: this.id,
      file: basename(target),
      code: result.error?.code ?? result.problems[0]?.code,
      recordsKept: result.recordsKept,
    });
  }
}

function emptyResult(): FileIntakeResult {
  return { fileId: 0, outcome: 'done', recordsInFile: 0, newRecords: 0, duplicates: 0, recordsKept: 0, problems: [], header: {} };
}

/** The `<name>.error.txt` beside a rejected file: what is wrong, where, what was kept and what
 * to do — Vietnamese first for the records officer, then the agent's English for IT staff.
 * The second line always reads `Lỗi [CODE] …` so the status UI can name the reason.
 */
export function describeFailure(name: string, r: FileIntakeResult, keptAs?: string): string {
  const lines: string[] = [];
  // Names are shown escaped: a name with a newline or control characters cannot forge lines.
  lines.push(`Tệp / File: ${printableName(name)}`);
  const firstCode = r.error?.code ?? r.problems[0]?.code;
  if (r.error) {
    const where = r.error.line ? ` (dòng ${r.error.line}${r.error.column ? `, cột ${r.error.column}` : ''})` : '';
    lines.push(`Lỗi [${r.error.code}]${where}: ${problemText(r.error.code).reason}`);
    lines.push(`  Error: ${r.error.message}`);
  }
  for (const p of r.problems) {
    lines.push(`Hồ sơ số ${p.record} (dòng ${p.line}) [${p.code}]: ${problemText(p.code).reason}`);
    lines.push(`  Record #${p.record}: ${p.message}`);
  }
  const kept = r.recordsKept;
  lines.push(
    kept > 0
      ? `Đã nhận ${kept} hồ sơ đọc được trong tệp này; chúng vẫn được xử lý. / ${kept} readable record(s) of this file were kept and are being processed.`
      : 'Không có hồ sơ nào được nhận từ tệp này. / No record of this file was kept.',
  );
  if (r.problems.length) lines.push('Hồ sơ lỗi được lưu nguyên bản để xem và gửi lại. / Records with problems are stored as received, for review and resending.');
  lines.push(`Cần làm: ${problemText(firstCode).action} / Fix the export in the HIS and drop it into the inbox again.`);
  if (keptAs && keptAs !== name) lines.push(`Lưu trong thư mục lỗi với tên / Kept in the error folder as: ${printableName(keptAs)}`);
  return lines.join('\n') + '\n';
}

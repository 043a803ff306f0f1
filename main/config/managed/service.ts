// Ministry-managed configuration in the running agent (DESIGN §7, docs/managed-config.md):
// the document in force at start (including one imported while stopped), documents fetched
// from managed.url or imported by file, each checked before anything changes, applied
// atomically through the agent's hot reload, and every applied or refused one audited.
// Documents are handled one at a time.
import type { AgentConfig } from '../schema.js';
import type { Logger } from '../../log.js';
import type { ManagedAuditEntryDto, ManagedConfigDto, ManagedConfigResponse, ManagedImportResponse, ManagedStatusDto, UpdateStatusDto } from '../../api/contract.js';
import type { ConfigState } from '../../store/ports.js';
import { evaluateDocument, RefusalCode, type Evaluation } from './evaluate.js';
import { changedDestinationIds } from './merge.js';
import { ManagedConfigPoller } from './poller.js';
import { keyIdOf, loadPinnedPublicKey } from './signing.js';
import { ApplySource, ManagedStateError, ManagedStateFiles, type AppliedDocument } from './state.js';
import { checkForUpdate, type UpdateFeed } from './updates.js';

export interface ManagedConfigServiceOptions {
  /** The operator's own configuration (the config file). */
  localConfig: AgentConfig;
  records: ConfigState;
  logger: Logger;
  agentVersion: string;
  now?: () => number;
  /** How often managed.url is fetched (default 15 minutes). */
  pollIntervalMs?: number;
  /** How often the update feed is read (default 6 hours). */
  updateCheckIntervalMs?: number;
  /** The configuration in force in the agent. */
  current: () => AgentConfig;
  /** Hot-applies a configuration; `commit` runs while the affected workers are stopped and must complete before they restart. */
  apply: (next: AgentConfig, commit: () => void, opts: { restartAllDeliveries: boolean }) => Promise<void>;
}

type Outcome = ManagedImportResponse;

const MINUTE = 60_000;

export class ManagedConfigService {
  private readonly files: ManagedStateFiles;
  private readonly now: () => number;
  private inForce?: AppliedDocument;
  private feed?: UpdateFeed;
  private lastError?: { code: string; message: string; at: number };
  /** A refused document polled again (the server keeps serving it) is not audited again. */
  private lastRefusedDigest?: string;
  private update?: UpdateStatusDto;
  private poller?: ManagedConfigPoller;
  private updateTimer?: NodeJS.Timeout;
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(private readonly opts: ManagedConfigServiceOptions) {
    this.files = new ManagedStateFiles(opts.localConfig.dataDir);
    this.now = opts.now ?? Date.now;
  }

  // ---- start ------------------------------------------------------------------------------

  /**
   * The configuration to start with: the local one merged with the document in force, after
   * applying a document imported while the agent was stopped. Synchronous: runs before any
   * worker exists, so nothing needs a hot reload.
   */
  startupConfig(): AgentConfig {
    const { localConfig: local, records, logger } = this.opts;
    let config = local;
    let current: AppliedDocument | undefined;
    try {
      current = this.files.readCurrent();
    } catch (err) {
      if (!(err instanceof ManagedStateError)) throw err;
      this.fail(RefusalCode.schemaInvalid, err.message);
    }
    const highest = records.highestAppliedVersion();
    if (current) {
      const again = this.evaluate(JSON.stringify(current.signed), { inForce: current, highestApplied: 0 });
      if (current.version < highest) {
        this.fail(RefusalCode.versionNotNewer, `${this.files.currentPath} holds version ${current.version} but version ${highest} was applied here: the local configuration is used until a newer document`);
      } else if (!again.ok) {
        this.fail(again.code, `the ministry document in force (version ${current.version}) no longer applies: ${again.reason}`);
      } else {
        if (again.merged.pack) this.files.writePack(current.version, again.merged.pack);
        if (!records.isVersionRecorded(current.version)) {
          // The last apply stopped between writing current.json and its store transaction: finish it.
          this.record(current, again, local);
          logger.warn('ministry document completed after an interrupted apply', { version: current.version });
        }
        this.inForce = current;
        this.feed = again.merged.updates;
        config = again.merged.config;
      }
    }
    const pending = this.files.readPending();
    if (pending !== undefined) {
      const e = this.evaluate(pending, { inForce: this.inForce, highestApplied: records.highestAppliedVersion() });
      if (!e.ok) {
        this.refuse(e, ApplySource.pending);
        this.files.clearPending(true);
      } else if (e.alreadyInForce) this.files.clearPending(false);
      else {
        const applied = this.appliedDocument(e, ApplySource.pending);
        if (e.merged.pack) this.files.writePack(applied.version, e.merged.pack);
        this.commit(applied, e, config);
        this.files.clearPending(false);
        config = e.merged.config;
      }
    }
    this.files.prunePacks(this.inForce?.version);
    return config;
  }

  /** Starts polling managed.url and reading the update feed. */
  start(): void {
    this.started = true;
    const url = this.opts.localConfig.managed?.url;
    if (url) {
      this.poller = new ManagedConfigPoller({
        url,
        intervalMs: this.opts.pollIntervalMs ?? 15 * MINUTE,
        onDocument: async (text) => {
          const r = await this.submit(text, ApplySource.poll);
          // A failure of ours (not of the document) is retried at the next poll.
          return r.applied || r.code !== RefusalCode.applyFailed;
        },
        onFailure: (reason) => {
          this.fail('FETCH_FAILED', reason);
          this.opts.logger.warn('ministry config server not reachable', { reason });
        },
        onReachable: () => {
          if (this.lastError?.code === 'FETCH_FAILED') this.lastError = undefined;
        },
      });
      this.poller.start();
    }
    this.scheduleUpdateCheck(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    await this.poller?.stop();
    await this.queue.catch(() => undefined);
  }

  // ---- documents ----------------------------------------------------------------------------

  /** Checks and applies one signed document (poll or import); resolves with what happened. */
  submit(text: string, source: ApplySource): Promise<Outcome> {
    const run = this.queue.then(() => this.submitNow(text, source));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Fetches managed.url now instead of at the next interval. */
  async pollNow(): Promise<void> {
    await this.poller?.pollOnce();
  }

  private async submitNow(text: string, source: ApplySource): Promise<Outcome> {
    const { records, logger } = this.opts;
    const e = this.evaluate(text, { inForce: this.inForce, highestApplied: records.highestAppliedVersion() });
    if (!e.ok) return this.refuse(e, source);
    if (e.alreadyInForce) return { applied: true, version: e.document.version, reconverted: 0, unchanged: true };

    const applied = this.appliedDocument(e, source);
    const before = this.opts.current();
    for (const warning of e.merged.warnings) logger.warn('ministry document applied with a warning', { version: applied.version, warning });
    let result = { reconverted: 0 };
    try {
      if (e.merged.pack) this.files.writePack(applied.version, e.merged.pack);
      await this.opts.apply(
        e.merged.config,
        () => {
          result = this.commit(applied, e, before);
        },
        // Re-conversion must not race a delivery in flight.
        { restartAllDeliveries: e.document.reconvertPending === true },
      );
    } catch (err) {
      return this.refuse({ ok: false, code: RefusalCode.applyFailed, reason: `applying failed, the configuration in force is kept: ${(err as Error).message}`, version: applied.version, digest: e.digest }, source);
    }
    this.files.prunePacks(applied.version);
    const feedChanged = JSON.stringify(this.feed) !== JSON.stringify(e.merged.updates);
    this.feed = e.merged.updates;
    if (feedChanged && this.started) this.scheduleUpdateCheck(0);
    logger.info('ministry configuration applied', { version: applied.version, source, reconverted: result.reconverted });
    return { applied: true, version: applied.version, reconverted: result.reconverted, unchanged: false };
  }

  private evaluate(text: string, at: { inForce?: { version: number; digest: string }; highestApplied: number }): Evaluation {
    return evaluateDocument(text, {
      local: this.opts.localConfig,
      agentVersion: this.opts.agentVersion,
      inForce: at.inForce,
      highestApplied: at.highestApplied,
      packPath: (v) => this.files.packPath(v),
    });
  }

  private appliedDocument(e: Extract<Evaluation, { ok: true }>, source: ApplySource): AppliedDocument {
    return { version: e.document.version, digest: e.digest, keyId: e.keyId, source, appliedAt: new Date(this.now()).toISOString(), signed: e.signed };
  }

  /**
   * Makes a document the one in force: current.json first, then the store transaction (version
   * row, audit, re-conversion). If the transaction fails, the previous current.json is put back.
   */
  private commit(applied: AppliedDocument, e: Extract<Evaluation, { ok: true }>, before: AgentConfig): { reconverted: number } {
    const previous = this.inForce;
    this.files.writeCurrent(applied);
    try {
      const r = this.record(applied, e, before);
      this.inForce = applied;
      this.lastError = undefined;
      this.lastRefusedDigest = undefined;
      return r;
    } catch (err) {
      if (previous) this.files.writeCurrent(previous);
      else this.files.clearCurrent();
      throw err;
    }
  }

  private record(applied: AppliedDocument, e: Extract<Evaluation, { ok: true }>, before: AgentConfig): { reconverted: number } {
    return this.opts.records.recordApplied({
      version: applied.version,
      digest: applied.digest,
      keyId: applied.keyId,
      source: applied.source,
      versionBefore: this.inForce?.version ?? 0,
      reconvertPending: e.document.reconvertPending === true,
      changedDestinations: changedDestinationIds(before.destinations, e.merged.config.destinations),
      note: e.document.note,
      now: this.now(),
    });
  }

  private refuse(e: Extract<Evaluation, { ok: false }>, source: ApplySource): Outcome {
    // A server that keeps serving a bad document is audited once; every import by a person is audited.
    const repeat = source === ApplySource.poll && e.digest !== undefined && e.digest === this.lastRefusedDigest;
    if (!repeat) {
      this.opts.records.recordRefused({ version: e.version, code: e.code, reason: e.reason, source, versionInForce: this.inForce?.version ?? 0, digest: e.digest, now: this.now() });
      this.opts.logger.warn('ministry configuration refused', { version: e.version, code: e.code, source, reason: e.reason });
    }
    this.lastRefusedDigest = e.digest;
    this.fail(e.code, e.reason);
    return { applied: false, code: e.code, reason: e.reason, version: e.version };
  }

  private fail(code: string, message: string): void {
    this.lastError = { code, message, at: this.now() };
  }

  // ---- updates ------------------------------------------------------------------------------

  /** The update feed set by the ministry document in force (for the Electron updater too). */
  updateFeed(): UpdateFeed | undefined {
    return this.feed ? { ...this.feed } : undefined;
  }

  private scheduleUpdateCheck(delayMs: number): void {
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = undefined;
    if (!this.feed || !this.started) return;
    this.updateTimer = setTimeout(() => {
      void this.checkUpdateNow().finally(() => this.scheduleUpdateCheck(this.opts.updateCheckIntervalMs ?? 360 * MINUTE));
    }, delayMs);
    this.updateTimer.unref();
  }

  /** Reads the update feed now; the headless agent only reports what it finds. */
  async checkUpdateNow(): Promise<UpdateStatusDto | undefined> {
    const feed = this.feed;
    if (!feed) return undefined;
    try {
      const r = await checkForUpdate(feed, this.opts.agentVersion);
      const wasKnown = this.update?.available && this.update.version === r.version;
      this.update = { available: r.available, version: r.version, checkedAt: new Date(this.now()).toISOString() };
      if (r.available && !wasKnown) this.opts.logger.info('update available', { version: r.version, current: this.opts.agentVersion });
    } catch (err) {
      this.opts.logger.warn('update check failed', { reason: (err as Error).message });
    }
    return this.update;
  }

  // ---- views ----------------------------------------------------------------------------------

  status(): ManagedStatusDto {
    const e = this.lastError;
    return {
      version: this.inForce?.version ?? 0,
      appliedAt: this.inForce?.appliedAt ?? null,
      source: this.inForce?.source ?? 'local',
      ...(e ? { lastError: { code: e.code, message: e.message, at: new Date(e.at).toISOString() } } : {}),
    };
  }

  /** The shape the status UI's overview and config view use. */
  summary(): ManagedConfigDto | null {
    return this.inForce ? { version: this.inForce.version, appliedAt: this.inForce.appliedAt } : null;
  }

  updateStatus(): UpdateStatusDto | undefined {
    return this.update ? { ...this.update } : undefined;
  }

  auditLog(limit = 50): ManagedAuditEntryDto[] {
    return this.opts.records.managedAuditLog(limit).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  view(): ManagedConfigResponse {
    const pinned = this.opts.localConfig.managed?.publicKey;
    let keyId: string | null = null;
    if (pinned) {
      try {
        keyId = keyIdOf(loadPinnedPublicKey(pinned));
      } catch {
        keyId = null;
      }
    }
    return {
      status: this.status(),
      url: this.opts.localConfig.managed?.url ?? null,
      keyId,
      document: this.inForce ? (JSON.parse(Buffer.from(this.inForce.signed.payload, 'base64').toString('utf8')) as Record<string, unknown>) : null,
      update: this.updateStatus() ?? null,
      audit: this.auditLog(20),
    };
  }
}

// The agent: wires store, sources, convert and delivery workers and the status API, and
// starts/stops them in order (DESIGN §2). Stopping waits for in-flight work so nothing
// committed is left half-done; anything interrupted resumes at the next start.
import { InboxCounter } from './inboxFiles.js';
import { CredentialRecheck } from '../pipeline/credentialRecheck.js';
import { testConnection } from '../api/connectionTest.js';
import { ErrorFiles, type ErrorFolder } from './errorFiles.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, DestinationConfig, SourceConfig } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { ensureWritableDataDir } from '../dataDir.js';
import { acquireDataDirLock } from './dataDirLock.js';
import type { DataDirLock } from './dataDirLock.js';
import { Store } from '../store/store.js';
import { openKeyring, type KeyringOptions } from '../store/keyring.js';
import type { PayloadCipher } from '../store/payloadCipher.js';
import { WriterLock } from '../store/writerLock.js';
import { ConvertWorker } from '../pipeline/convertWorker.js';
import type { EngineOptions } from '../engine/pool.js';
import { DeliveryWorker } from '../pipeline/deliveryWorker.js';
import { Alerts } from '../pipeline/alerts.js';
import { Housekeeping } from '../pipeline/housekeeping.js';
import type { ApiServer } from '../api/server.js';
import { createAgentApi } from '../api/agentApi.js';
import { LanAuth } from '../auth/lanAuth.js';
import { loadLanTls, type LanTls } from '../auth/lanTls.js';
import { lanSettings } from '../config/lanSettings.js';
import { applyOperatorPauses, uiDepsOf } from '../api/uiRoutes.js';
import { ManagedConfigService } from '../config/managed/service.js';
import { changedDestinationIds } from '../config/managed/merge.js';
import type { ApiInfo, ManagedConfigDto, StatusResponse } from '../api/contract.js';
import { AGENT_VERSION, UI_DIR } from '../paths.js';
import { FolderSource } from '../../connectors/sources/folder/folderSource.js';
import { MllpThreadSource } from '../intake/mllpThreadSource.js';
import type { IntakeStats } from '../api/metrics.js';
import type { Source, SourceStatus } from '../../connectors/sources/types.js';
import type { FhirClient } from '../../connectors/destinations/fhir/client.js';
import { createDestinationClient } from '../../connectors/destinations/fhir/destination.js';
import { checkCapabilities } from '../../connectors/destinations/fhir/capabilities.js';
import { loadProfilePack, withAssigningAuthorities } from '../../connectors/profile-pack/index.js';
import type { ProfilePack } from '../../connectors/formats/types.js';

export interface AgentOptions {
  logger?: Logger;
  /** Print the operations log on the console too. */
  console?: boolean;
  now?: () => number;
  /** How often managed.url is fetched (default 15 minutes); tests make it short. */
  managedPollIntervalMs?: number;
  /** How often the update feed is read (default 6 hours). */
  updateCheckIntervalMs?: number;
  /** How often open status screens are refreshed (default 1 s); the UI tests make it short. */
  eventIntervalMs?: number;
  /** How often destinations paused for refused credentials are checked again (default 5 minutes). */
  credentialRecheckMs?: number;
  /** The desktop app wraps the keyring with the OS key store (Electron safeStorage). */
  keyProtection?: Pick<KeyringOptions, 'protect' | 'unprotect'>;
  /** Conversion engine settings beyond the configuration (tests: time limits, a misbehaving task module). */
  engine?: Omit<EngineOptions, 'profilePack'>;
}

/** The cipher of this installation's payloads: keyring in the data folder, or a key by reference. */
export function payloadCipherFor(config: AgentConfig, protection: AgentOptions['keyProtection'] = {}): PayloadCipher {
  const { encryptAtRest, dataKey } = config.security;
  return openKeyring({ path: join(config.dataDir, 'keys.json'), envKey: dataKey ? resolveSecret(dataKey) : undefined, ...protection }, encryptAtRest);
}

const errorFoldersOf = (config: AgentConfig): ErrorFolder[] =>
  config.sources.flatMap((s) => (s.type === 'folder' ? [{ sourceId: s.id, dir: s.errorDir }] : []));

export class Agent {
  readonly store: Store;
  readonly logger: Logger;
  readonly sources: Source[] = [];
  readonly convertWorker: ConvertWorker;
  readonly deliveryWorkers: DeliveryWorker[] = [];
  /** Each delivery worker's FHIR client, closed when the worker is retired. */
  private readonly clientOf = new WeakMap<DeliveryWorker, FhirClient>();
  readonly alerts: Alerts;
  housekeeping: Housekeeping;
  private readonly api: ApiServer;
  private profilePack: ProfilePack;
  /** Ministry-managed configuration (docs/managed-config.md). */
  readonly managed: ManagedConfigService;
  /** The configuration in force: the local file merged with the ministry document. */
  private current: AgentConfig;
  private readonly now: () => number;
  private running = false;
  /** One configuration change at a time. */
  private applying: Promise<void> = Promise.resolve();
  private readonly startedAt = new Date();
  private readonly apiToken: string;
  apiInfo?: ApiInfo;
  /** Held from start() to stop(): one data folder, one agent. */
  private dataDirLock?: DataDirLock;
  /** Files the watched folders could not take in, for the status screens. */
  readonly errorFiles: ErrorFiles;
  /** Counts files waiting unread in the watched folders. */
  private readonly inbox = new InboxCounter();
  /** Resumes a destination paused for refused credentials once they are accepted again. */
  private readonly credentialRecheck: CredentialRecheck;

  constructor(localConfig: AgentConfig, opts: AgentOptions = {}) {
    this.opts = opts;
    ensureWritableDataDir(localConfig.dataDir);
    this.logger = opts.logger ?? createLogger({ dataDir: localConfig.dataDir, level: localConfig.logging.level, retainDays: localConfig.logging.retainDays, console: opts.console });
    this.cipher = payloadCipherFor(localConfig, opts.keyProtection);
    this.store = Store.open(join(localConfig.dataDir, 'vhr-agent.db'), this.cipher, { writerLock: this.writerLock });
    const now = (this.now = opts.now ?? Date.now);
    this.managed = new ManagedConfigService({
      localConfig,
      records: this.store,
      logger: this.logger,
      agentVersion: AGENT_VERSION,
      now,
      pollIntervalMs: opts.managedPollIntervalMs,
      updateCheckIntervalMs: opts.updateCheckIntervalMs,
      current: () => this.current,
      apply: (next, commit, opts) => this.applyConfig(next, { commit, restartAllDeliveries: opts.restartAllDeliveries }),
    });
    // The ministry document in force (and one imported while stopped) shapes what starts.
    const config = (this.current = this.managed.startupConfig());
    if (!opts.logger) this.logger.level = config.logging.level;
    this.profilePack = withAssigningAuthorities(loadProfilePack(config.profilePack), config.hl7v2?.assigningAuthorities);
    this.alerts = new Alerts({ store: this.store, logger: this.logger, webhookUrl: config.alerts.webhookUrl, now });
    this.housekeeping = this.createHousekeeping(config);

    for (const d of config.destinations) this.deliveryWorkers.push(this.createDeliveryWorker(d, config));
    this.convertWorker = new ConvertWorker({
      store: this.store,
      logger: this.logger,
      now,
      context: () => ({ facilityCode: this.current.facility.code, now: new Date(now()), profilePack: this.profilePack }),
      destinations: () => this.current.destinations.map((d) => d.id),
      // Conversion and validation on threads: this event loop keeps sockets, commits and the API.
      engine: { threads: config.conversion.threads || undefined, ...opts.engine },
      maxRecordBytes: () => this.current.conversion.maxRecordMiB * 1024 * 1024,
      onConverted: () => this.deliveryWorkers.forEach((w) => w.wake()),
      // Enhanced-mode HL7v2 senders get their application ACK once the record converted (or not).
      onOutcome: (id, sourceId, outcome) => {
        const src = this.sources.find((x) => x.id === sourceId);
        if (src instanceof MllpThreadSource) src.applicationAck(id, outcome);
      },
    });
    for (const s of config.sources) this.sources.push(this.createSource(s));
    this.credentialRecheck = new CredentialRecheck({
      workers: () => this.deliveryWorkers,
      check: async (id) => {
        const dest = this.current.destinations.find((d) => d.id === id);
        if (!dest) return { ok: false, code: 'unknown' };
        return testConnection(dest);
      },
      logger: this.logger,
      intervalMs: opts.credentialRecheckMs,
    });
    this.errorFiles = new ErrorFiles(errorFoldersOf(config), join(config.dataDir, 'error-files-seen.json'), now);
    this.apiToken = this.loadOrCreateToken();
    this.api = createAgentApi(this, {
      host: config.statusApi.host,
      port: config.statusApi.port,
      token: this.apiToken,
      staticDir: UI_DIR,
      now,
      eventIntervalMs: opts.eventIntervalMs,
      lan: this.lanListener(config),
    });
  }

  private readonly opts: AgentOptions;
  /** Seals payloads; the MLLP intake thread seals with the same keys. */
  private readonly cipher: PayloadCipher;
  /** Writers of this process (this thread, the MLLP intake threads) take turns on it. */
  private readonly writerLock = new WriterLock();

  /** The status screen on the hospital LAN, when statusApi.lan is enabled (docs/service.md §5). */
  private lanListener(config: AgentConfig) {
    const lan = lanSettings(config);
    if (!lan) return undefined;
    const tls = loadLanTls(lan, config.dataDir);
    this.lanTls = tls;
    const auth = new LanAuth({
      users: this.store.users,
      idleMs: lan.idleMinutes * 60_000,
      maxSessionMs: lan.sessionHours * 3_600_000,
      now: this.now,
      onLocked: (by, username, client) => this.logger.warn('status screen sign-in locked', { by, user: username, client }),
    });
    return { host: lan.host, port: lan.port, cert: tls.cert, key: tls.key, auth };
  }

  private lanTls?: LanTls;
  /** Address and certificate fingerprint of the LAN screen, once started. */
  lanInfo?: { url: string; fingerprint256: string };

  /** The configuration in force (local file + ministry document); replaced by applyConfig. */
  get config(): AgentConfig {
    return this.current;
  }

  /** The ministry document in force, in the shape the status UI shows. */
  managedConfig(): ManagedConfigDto | null {
    return this.managed.summary();
  }

  private createHousekeeping(config: AgentConfig): Housekeeping {
    return new Housekeeping({ store: this.store, logger: this.logger, alerts: this.alerts, config, now: this.now });
  }

  private createDeliveryWorker(d: DestinationConfig, config: AgentConfig): DeliveryWorker {
    // Auth (bearer, OAuth2, mTLS), TLS trust and the delivery mode all come from the destination's config.
    const client = createDestinationClient(d, { now: this.now });
    const worker = new DeliveryWorker({ store: this.store, logger: this.logger, destination: d, client, retry: config.retry, alerts: this.alerts, now: this.now });
    this.clientOf.set(worker, client);
    // Read the store's /metadata once and say, in plain words, what the delivery mode lacks there.
    void checkCapabilities(client, d.mode).then(
      (r) => {
        worker.runtime.capabilityWarnings = r.warnings;
        for (const w of r.warnings) this.logger.warn('destination capability warning', { destination: d.id, code: w.code, message: w.message });
      },
      (err: Error) => this.logger.warn('destination capability check failed', { destination: d.id, error: err.message }),
    );
    return worker;
  }

  private createSource(s: SourceConfig): Source {
    const onStored = () => this.convertWorker.wake();
    if (s.type === 'folder') return new FolderSource({ config: s, store: this.store, logger: this.logger, onCommitted: onStored, now: this.now });
    // On a thread of its own: a lab analyzer's ACK never waits behind this event loop.
    return new MllpThreadSource({
      dbPath: this.store.path,
      cipher: this.cipher,
      writerLock: this.writerLock,
      logger: this.logger,
      onStored,
      listener: {
        sourceId: s.id,
        host: s.host,
        port: s.port,
        charset: s.charset,
        maxMessageBytes: s.maxMessageBytes,
        ackMode: s.ackMode,
        acceptProcessingIds: s.acceptProcessingIds.length ? s.acceptProcessingIds : undefined,
        idleTimeoutMs: s.idleTimeoutMs,
        allow: s.allow,
        maxConnections: s.maxConnections,
        maxBufferedBytes: s.maxBufferedBytes,
        tls: s.tls,
      },
    });
  }

  /** Counters of each MLLP listener (frames, ACK times, commits), as its thread last reported them. */
  intakeStats(): IntakeStats[] {
    return this.sources.flatMap((s) => {
      const r = s instanceof MllpThreadSource ? s.stats() : undefined;
      return r ? [{ source: s.id, ...r }] : [];
    });
  }

  /** The API token is made once per install and kept in api.json (0600). */
  private loadOrCreateToken(): string {
    const file = join(this.config.dataDir, 'api.json');
    if (existsSync(file)) {
      try {
        const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<ApiInfo>;
        if (typeof info.token === 'string' && info.token.length >= 32) return info.token;
      } catch {
        // unreadable: make a new token below
      }
    }
    return randomBytes(32).toString('base64url');
  }

  async start(): Promise<void> {
    const { logger, config } = this;
    // Before anything touches shared state: a second agent on this folder stops here.
    try {
      this.dataDirLock = acquireDataDirLock(config.dataDir);
    } catch (err) {
      this.store.close();
      throw err;
    }
    if (this.dataDirLock.tookOverFrom) {
      logger.warn('data folder lock of a stopped agent taken over', { pid: this.dataDirLock.tookOverFrom.pid, startedAt: this.dataDirLock.tookOverFrom.startedAt });
    }
    const reset = this.store.resetInFlight((this.opts.now ?? Date.now)());
    if (reset) logger.info('deliveries interrupted by the last stop will be sent again', { count: reset });
    let url: string;
    try {
      url = await this.api.start();
    } catch (err) {
      // The status API's port is taken (EADDRINUSE): give the folder back for the next try.
      this.store.close();
      this.dataDirLock.release();
      throw err;
    }
    const token = this.apiToken;
    this.apiInfo = { url, token, uiUrl: `${url}/#token=${token}` };
    if (this.lanTls) {
      this.lanInfo = { url: this.api.lanUrl, fingerprint256: this.lanTls.fingerprint256 };
      logger.info('lan status screen', { url: this.lanInfo.url, certificate: this.lanTls.certFile, sha256: this.lanInfo.fingerprint256 });
    }
    const file = join(config.dataDir, 'api.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.apiInfo, null, 2) + '\n', { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.store.startBackgroundCheckpoints();
    this.convertWorker.start();
    for (const w of this.deliveryWorkers) w.start();
    await applyOperatorPauses(uiDepsOf(this));
    for (const s of this.sources) await s.start();
    this.housekeeping.start();
    this.credentialRecheck.start();
    this.running = true;
    this.managed.start();
    logger.info('agent started', { version: AGENT_VERSION, facility: config.facility.code, api: url, sources: this.sources.length, destinations: this.deliveryWorkers.length });
  }

  async stop(): Promise<void> {
    // First: no ministry document may be half-applied while everything stops.
    await this.managed.stop();
    await this.applying;
    this.running = false;
    this.housekeeping.stop();
    await this.credentialRecheck.stop();
    for (const s of this.sources) await s.stop().catch((err) => this.logger.error('source stop failed', { source: s.id, error: (err as Error).message }));
    await this.convertWorker.close();
    await Promise.all(this.deliveryWorkers.map((w) => w.stop()));
    for (const w of this.deliveryWorkers) this.clientOf.get(w)?.close();
    await this.api.stop();
    await this.store.stopBackgroundCheckpoints();
    this.store.close();
    this.dataDirLock?.release();
    this.logger.info('agent stopped');
  }

  status(): StatusResponse {
    const sourceCounts = new Map(this.store.sourceCounts().map((s) => [s.sourceId, s]));
    const destCounts = new Map(this.store.destinationCounts().map((d) => [d.destinationId, d]));
    const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
    return {
      version: AGENT_VERSION,
      facility: { ...this.config.facility },
      startedAt: this.startedAt.toISOString(),
      sources: this.sources.map((s) => {
        const st = s.status();
        const c = sourceCounts.get(s.id);
        const cfg = this.current.sources.find((x) => x.id === s.id);
        const waitingFiles = cfg?.type === 'folder' ? this.inbox.waiting(cfg.path) : undefined;
        return { id: s.id, type: st.type, state: st.state, received: c?.received ?? 0, lastReceivedAt: iso(c?.lastReceivedAt), detail: st.detail, progress: st.progress, address: st.address, warning: st.warning, ...(waitingFiles === undefined ? {} : { waitingFiles }) };
      }),
      destinations: this.deliveryWorkers.map((w) => {
        const c = destCounts.get(w.id);
        const cfg = this.config.destinations.find((d) => d.id === w.id)!;
        const e = w.runtime.lastError;
        return {
          id: w.id,
          ...(cfg.name ? { name: cfg.name } : {}),
          baseUrl: cfg.baseUrl,
          state: w.runtime.state,
          ...(w.runtime.pausedBy ? { pausedBy: w.runtime.pausedBy } : {}),
          pending: c?.pending ?? 0,
          delivered: c?.delivered ?? 0,
          rejected: c?.rejected ?? 0,
          lastSuccessAt: iso(c?.lastSuccessAt),
          lastError: e ? { code: e.code, message: e.message, messageVi: e.messageVi, at: new Date(e.at).toISOString() } : undefined,
          ambiguous: w.runtime.ambiguous,
          batchSize: w.runtime.batchSize,
          warnings: w.runtime.capabilityWarnings,
          ...(w.runtime.entryLimit !== undefined ? { entryLimit: w.runtime.entryLimit } : {}),
          ...(w.runtime.partsInFlight.size > 0 ? { inParts: [...w.runtime.partsInFlight].map(([messageId, p]) => ({ messageId, ...p })) } : {}),
        };
      }),
      counts: this.store.messageCounts(),
      alerts: this.store.openAlerts().map((a) => ({ kind: a.kind, target: a.target, message: a.message, messageVi: a.messageVi, openedAt: new Date(a.openedAt).toISOString() })),
      managed: this.managed.status(),
      errorFiles: this.errorFiles.summary(),
      ...(this.managed.updateStatus() ? { update: this.managed.updateStatus() } : {}),
    };
  }

  /**
   * Hot reload (DESIGN §7): puts `next` in force without a restart. Only what changed is
   * stopped and started again — delivery workers of changed destinations (all of them when
   * the retry policy changed), changed sources, housekeeping when retention changed — and the
   * convert worker is paused so that no record is converted half with the old profile pack and
   * half with the new one. Queued rows stay in the store and are picked up by the new workers.
   * Everything that can fail (profile pack) is prepared before anything stops; `commit` runs
   * while the workers are stopped, and if it throws the old configuration is restored.
   * `restartAllDeliveries` stops every delivery worker during the commit, so that no delivery
   * is in flight while records are sent back to conversion.
   */
  applyConfig(next: AgentConfig, opts: { commit?: () => void; restartAllDeliveries?: boolean } = {}): Promise<void> {
    const run = this.applying.then(() => this.applyNow(next, opts.commit, opts.restartAllDeliveries === true));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: AgentConfig, commit: (() => void) | undefined, restartAllDeliveries: boolean): Promise<void> {
    const prev = this.current;
    const pack = withAssigningAuthorities(loadProfilePack(next.profilePack), next.hl7v2?.assigningAuthorities);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const retryChanged = !same(prev.retry, next.retry);
    const changedDest = new Set(retryChanged || restartAllDeliveries ? [...prev.destinations, ...next.destinations].map((d) => d.id) : changedDestinationIds(prev.destinations, next.destinations));
    const changedSrc = new Set([...prev.sources, ...next.sources].filter((s) => !same(prev.sources.find((x) => x.id === s.id), next.sources.find((x) => x.id === s.id))).map((s) => s.id));
    const housekeepingChanged = !same([prev.retention, prev.alerts], [next.retention, next.alerts]);

    const oldWorkers = this.deliveryWorkers.filter((w) => changedDest.has(w.id));
    const oldSources = this.sources.filter((s) => changedSrc.has(s.id));
    await this.convertWorker.stop();
    await Promise.all(oldWorkers.map((w) => w.stop()));
    for (const s of oldSources) await s.stop().catch((err) => this.logger.error('source stop failed', { source: s.id, error: (err as Error).message }));

    try {
      commit?.();
    } catch (err) {
      if (this.running) {
        this.convertWorker.start();
        for (const w of oldWorkers) w.start();
        for (const s of oldSources) await s.start().catch((e) => this.logger.error('source restart failed', { source: s.id, error: (e as Error).message }));
      }
      throw err;
    }

    this.current = next;
    this.profilePack = pack;
    if (!this.opts.logger) this.logger.level = next.logging.level;
    for (const w of oldWorkers) this.clientOf.get(w)?.close();
    const workers = next.destinations.map((d) => (changedDest.has(d.id) ? this.createDeliveryWorker(d, next) : this.deliveryWorkers.find((w) => w.id === d.id)!));
    const sources = next.sources.map((s) => (changedSrc.has(s.id) ? this.createSource(s) : this.sources.find((x) => x.id === s.id)!));
    // Same array objects: the status UI's routes hold references to them.
    this.deliveryWorkers.splice(0, this.deliveryWorkers.length, ...workers);
    this.sources.splice(0, this.sources.length, ...sources);
    this.errorFiles.setFolders(errorFoldersOf(next));
    if (housekeepingChanged) {
      this.housekeeping.stop();
      this.housekeeping = this.createHousekeeping(next);
    }
    this.logger.info('configuration reloaded', { destinations: [...changedDest], sources: [...changedSrc], profilePack: `${pack.id}@${pack.version}` });
    if (!this.running) return;

    const paused = new Set(this.store.pausedDestinations());
    for (const w of workers) if (changedDest.has(w.id) && !paused.has(w.id)) w.start();
    for (const s of sources) {
      // A source that cannot start shows its error in the status, as at a normal start.
      if (changedSrc.has(s.id)) await s.start().catch((err) => this.logger.error('source start failed', { source: s.id, error: (err as Error).message }));
    }
    if (housekeepingChanged) this.housekeeping.start();
    this.convertWorker.start();
  }

  /** Resolves once every source is idle, nothing waits for conversion and no delivery is due now. */
  async settled(): Promise<void> {
    for (const s of this.sources) if (s instanceof FolderSource) await s.idle();
    await this.convertWorker.idle();
  }
}

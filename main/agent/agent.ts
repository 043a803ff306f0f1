// The agent: wires store, sources, convert and delivery workers and the status API, and
// starts/stops them in order (DESIGN §2). Stopping waits for in-flight work so nothing
// committed is left half-done; anything interrupted resumes at the next start.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { Store } from '../store/store.js';
import { ConvertWorker } from '../pipeline/convertWorker.js';
import { DeliveryWorker } from '../pipeline/deliveryWorker.js';
import { ApiServer } from '../api/server.js';
import { apiRoutes } from '../api/routes.js';
import type { ApiInfo, StatusResponse } from '../api/contract.js';
import { AGENT_VERSION, UI_DIR } from '../paths.js';
import { FolderSource } from '../../connectors/sources/folder/folderSource.js';
import { MllpListener } from '../../connectors/sources/mllp/listener.js';
import type { Source, SourceStatus } from '../../connectors/sources/types.js';
import { FhirClient } from '../../connectors/destinations/fhir/client.js';
import { loadProfilePack } from '../../connectors/profile-pack/index.js';
import type { ProfilePack } from '../../connectors/formats/types.js';

export interface AgentOptions {
  logger?: Logger;
  /** Print the operations log on the console too. */
  console?: boolean;
  now?: () => number;
}

/** An MLLP listener adapted to the Source interface. */
class MllpSource implements Source {
  constructor(
    readonly id: string,
    private readonly listener: MllpListener,
  ) {}
  private state: SourceStatus['state'] = 'stopped';
  private detail?: string;
  async start() {
    try {
      await this.listener.start();
      this.state = 'listening';
    } catch (err) {
      this.state = 'error';
      this.detail = `cannot listen: ${(err as Error).message}`;
      throw err;
    }
  }
  async stop() {
    await this.listener.stop();
    this.state = 'stopped';
  }
  status(): SourceStatus {
    return { id: this.id, type: 'mllp', state: this.state, detail: this.detail };
  }
}

export class Agent {
  readonly store: Store;
  readonly logger: Logger;
  readonly sources: Source[] = [];
  readonly convertWorker: ConvertWorker;
  readonly deliveryWorkers: DeliveryWorker[] = [];
  private readonly clients: FhirClient[] = [];
  private readonly api: ApiServer;
  private readonly profilePack: ProfilePack;
  private readonly startedAt = new Date();
  private readonly apiToken: string;
  apiInfo?: ApiInfo;

  constructor(
    readonly config: AgentConfig,
    private readonly opts: AgentOptions = {},
  ) {
    this.logger = opts.logger ?? createLogger({ dataDir: config.dataDir, level: config.logging.level, retainDays: config.logging.retainDays, console: opts.console });
    this.store = Store.open(join(config.dataDir, 'vhr-agent.db'));
    this.profilePack = loadProfilePack(config.profilePack);
    const now = opts.now ?? Date.now;

    for (const d of config.destinations) {
      const auth = d.auth;
      const client = new FhirClient({
        baseUrl: d.baseUrl,
        timeoutMs: d.timeoutMs,
        mode: d.mode,
        headers: auth.type === 'bearer' ? () => ({ Authorization: `Bearer ${resolveSecret(auth.token)}` }) : undefined,
      });
      this.clients.push(client);
      this.deliveryWorkers.push(new DeliveryWorker({ store: this.store, logger: this.logger, destination: d, client, retry: config.retry, now }));
    }
    this.convertWorker = new ConvertWorker({
      store: this.store,
      logger: this.logger,
      now,
      context: () => ({ facilityCode: config.facility.code, now: new Date(now()), profilePack: this.profilePack }),
      destinations: () => config.destinations.map((d) => d.id),
      onConverted: () => this.deliveryWorkers.forEach((w) => w.wake()),
    });
    const onStored = () => this.convertWorker.wake();
    for (const s of config.sources) {
      if (s.type === 'folder') {
        this.sources.push(new FolderSource({ config: s, store: this.store, logger: this.logger, onCommitted: onStored, now }));
      } else {
        const listener = new MllpListener({
          sourceId: s.id,
          host: s.host,
          port: s.port,
          store: this.store,
          charset: s.charset,
          maxMessageBytes: s.maxMessageBytes,
          onStored,
        });
        this.sources.push(new MllpSource(s.id, listener));
      }
    }
    this.apiToken = this.loadOrCreateToken();
    this.api = new ApiServer({
      host: config.statusApi.host,
      port: config.statusApi.port,
      token: this.apiToken,
      staticDir: UI_DIR,
      routes: apiRoutes({
        store: this.store,
        status: () => this.status(),
        retryMessage: (id) => {
          const n = this.store.retryNow(id, now());
          this.deliveryWorkers.forEach((w) => w.wake());
          return n;
        },
      }),
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
    const reset = this.store.resetInFlight((this.opts.now ?? Date.now)());
    if (reset) logger.info('deliveries interrupted by the last stop will be sent again', { count: reset });
    const url = await this.api.start();
    const token = this.apiToken;
    this.apiInfo = { url, token, uiUrl: `${url}/#token=${token}` };
    const file = join(config.dataDir, 'api.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.apiInfo, null, 2) + '\n', { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.convertWorker.start();
    for (const w of this.deliveryWorkers) w.start();
    for (const s of this.sources) await s.start();
    logger.info('agent started', { version: AGENT_VERSION, facility: config.facility.code, api: url, sources: this.sources.length, destinations: this.deliveryWorkers.length });
  }

  async stop(): Promise<void> {
    for (const s of this.sources) await s.stop().catch((err) => this.logger.error('source stop failed', { source: s.id, error: (err as Error).message }));
    await this.convertWorker.stop();
    await Promise.all(this.deliveryWorkers.map((w) => w.stop()));
    for (const c of this.clients) c.close();
    await this.api.stop();
    this.store.close();
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
        return { id: s.id, type: st.type, state: st.state, received: c?.received ?? 0, lastReceivedAt: iso(c?.lastReceivedAt), detail: st.detail, progress: st.progress };
      }),
      destinations: this.deliveryWorkers.map((w) => {
        const c = destCounts.get(w.id);
        const cfg = this.config.destinations.find((d) => d.id === w.id)!;
        const e = w.runtime.lastError;
        return {
          id: w.id,
          baseUrl: cfg.baseUrl,
          state: w.runtime.state,
          pending: c?.pending ?? 0,
          delivered: c?.delivered ?? 0,
          rejected: c?.rejected ?? 0,
          lastSuccessAt: iso(c?.lastSuccessAt),
          lastError: e ? { code: e.code, message: e.message, messageVi: e.messageVi, at: new Date(e.at).toISOString() } : undefined,
        };
      }),
      counts: this.store.messageCounts(),
    };
  }

  /** Resolves once every source is idle, nothing waits for conversion and no delivery is due now. */
  async settled(): Promise<void> {
    for (const s of this.sources) if (s instanceof FolderSource) await s.idle();
    await this.convertWorker.idle();
  }
}

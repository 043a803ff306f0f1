// The store's ports: each consumer depends on the narrowest one it needs, and `Store`
// implements them all. Nothing else of the store (its connection, its SQL) leaves main/store.
import type { GroupCommitOptions } from './groupCommit.js';
import type { StoredHl7Ack } from './hl7Acks.js';
import type { AppliedInput, ManagedAuditRow, RefusedInput } from './managedConfig.js';
import type { ActionResult, AuditRow, KeyRotation, ResendFilter } from './operatorActions.js';
import type { DailyRow, LatencyStats, QualityCounts, ThroughputBucket } from './reports.js';
import type { RecordHit, RecordSearch } from './search.js';
import type { MetricsSnapshot } from './metrics.js';
import type { FileState } from './states.js';
import type { SessionRow, UserRow } from './userAccounts.js';
import type { DayScore, RuleCountRow } from './findings.js';
import type { AlertRow, AttemptRecord, DeliveryRow, DestinationCounts, DueDelivery, FileProgress, InsertResult, MessageRow, MessageToConvert, NewRecord, SourceCounts, StoredFindings, ConversionResult, LearnedLimit, PartProgress } from './types.js';

/** HL7v2 intake bookkeeping: the MSH-10 each source sent, its row, and the ACKs given for it. */
export interface Hl7AckLedger {
  find(sourceId: string, controlId: string): StoredHl7Ack | undefined;
  findByMessage(messageId: number): StoredHl7Ack | undefined;
  /** Call inside the commit that inserts the message. */
  record(sourceId: string, controlId: string, messageId: number, ack: string, now: number): void;
  setApplicationAck(messageId: number, appAck: string): void;
}

/** Writes of many senders sharing one transaction, hence one fsync (see groupCommit.ts). */
export interface SharedCommit {
  run<T>(work: () => T): Promise<T>;
  readonly largestBatch: number;
  readonly batches: number;
  readonly items: number;
  /** Commits that had to wait for the write lock, and the longest such wait (ms). */
  readonly lockWaits: number;
  readonly longestLockWaitMs: number;
}

/** What sources (watched folders, MLLP) write: files, records, and HL7v2 ACK rows. */
export interface IntakeSink {
  beginFile(sourceId: string, path: string, contentHash: string, size: number, now: number): FileProgress;
  commitFileRecords(fileId: number, records: readonly NewRecord[], recordsCommitted: number, now: number): InsertResult[];
  finishFile(fileId: number, state: typeof FileState.done | typeof FileState.failed, now: number, error?: { code: string; message: string }): void;
  insertMessage(record: NewRecord, now: number): InsertResult;
  /** A stored record's row (its state, for the file's report of what became of each message). */
  message(id: number): MessageRow | undefined;
  /** A stored record's original bytes (null once retention dropped them). */
  rawOf(messageId: number): Buffer | null | undefined;
  hl7Acks(): Hl7AckLedger;
  groupCommit(opts?: GroupCommitOptions): SharedCommit;
}

/** Received records waiting for conversion, and the outcome of converting one. */
export interface ConversionQueue {
  messagesToConvert(limit: number, afterId?: number, maxRawBytes?: number): MessageToConvert[];
  markConverted(
    messageId: number,
    bundleJson: string,
    issuesJson: string,
    resourceCount: number,
    destinationIds: readonly string[],
    now: number,
    orderKey?: string | null,
    quality?: { missing: readonly string[]; normalised: number },
    findings?: StoredFindings | null,
  ): void;
  markInvalid(messageId: number, code: string, message: string, issuesJson: string | null, now: number, findings?: StoredFindings | null): void;
  /** A batch of outcomes in one transaction (callers keep batches small: the write lock is held meanwhile). */
  commitConversions(results: readonly ConversionResult[], destinationIds: readonly string[], now: number): void;
}

/** Deliveries of one destination: claimed when due, settled with an attempt row. */
export interface DeliveryQueue {
  claimDue(destinationId: string, now: number, limit: number): DueDelivery[];
  nextDueAt(destinationId: string): number | null;
  markDelivered(messageId: number, destinationId: string, response: string, attempt: AttemptRecord, now: number): void;
  markRetry(messageId: number, destinationId: string, nextAttemptAt: number, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void;
  markRejected(messageId: number, destinationId: string, errorCode: string, error: string, response: string | null, attempt: AttemptRecord, now: number): void;
  recordAttempt(a: AttemptRecord): void;
  /** `attempt` null: the record is cut in parts and none is in yet (shown as "part 1 of n"). */
  markPartDone(messageId: number, destinationId: string, progress: PartProgress, response: string | null, attempt: AttemptRecord | null, now: number): void;
  restartParts(messageId: number, destinationId: string, now: number): void;
  learnedLimit(destinationId: string): number | undefined;
  learnLimit(destinationId: string, limit: LearnedLimit, now: number): void;
  resumeDestination(destinationId: string, now: number): number;
  resetInFlight(now: number): number;
  /**
   * Runs `fn` in one transaction (nested calls become savepoints) whose commit is synced by the
   * next durable commit or the checkpoint thread, not by an fsync of its own (withDerivedCommits).
   */
  transaction<T>(fn: () => T): T;
}

/** What an operator may do, each with its audit row in the same transaction (DESIGN §9). */
export interface OperatorLedger {
  /** Makes a message's waiting or rejected deliveries due now (no audit row: the API's retry). */
  retryNow(messageId: number, now: number): number;
  retryMessage(messageId: number, actor: string, now: number): ActionResult;
  retryRejected(destinationId: string | undefined, actor: string, now: number): ActionResult;
  resend(messageId: number, destinationId: string, actor: string, now: number): ActionResult;
  cancelDeliveries(messageId: number, destinationId: string | undefined, actor: string, now: number): ActionResult;
  resendMatching(destinationId: string, filter: ResendFilter, actor: string, now: number): ActionResult;
  setDestinationPaused(destinationId: string, paused: boolean, actor: string, now: number): ActionResult;
  pausedDestinations(): string[];
  auditLog(limit: number): AuditRow[];
}

/** Counts, lists, details, search and reports. */
export interface ReadModels {
  messageCounts(): { received: number; converted: number; invalid: number };
  sourceCounts(): SourceCounts[];
  destinationCounts(): DestinationCounts[];
  lastReceivedAt(): number | null;
  /** Records (not record × destination) still owed to at least one destination. */
  recordsAwaitingDelivery(): number;
  /** The file a record was read from and its 1-based HOSO number there (folder sources only). */
  recordOrigin(messageId: number): { file: string; recordNumber: number | null } | undefined;
  /** Counts by state and bucketed distributions for GET /metrics (metrics.ts). */
  metricsSnapshot(boundsMs: readonly number[]): MetricsSnapshot;
  message(id: number): MessageRow | undefined;
  listMessages(limit: number, beforeId?: number): MessageRow[];
  messageDetail(id: number): { raw: Buffer | null; bundle: string | null; issues: string | null } | undefined;
  deliveriesOf(messageId: number): DeliveryRow[];
  attemptsOf(messageId: number): AttemptRecord[];
  searchRecords(p: RecordSearch): RecordHit[];
  explainSearch(p: RecordSearch): string[];
  dailyReport(fromDayStart: number, toDayStart: number, destinationIds: readonly string[]): DailyRow[];
  qualityReport(from: number, to: number): QualityCounts;
  qualityByDay(fromDayStart: number, toDayStart: number): ({ day: string } & QualityCounts)[];
  latencyReport(from: number, to: number, destinationIds: readonly string[]): LatencyStats[];
  throughput(now: number, bucketMs: number, count: number, destinationIds: readonly string[], firstStart?: number): ThroughputBucket[];
  todayCounts(dayStart: number, now: number, destinationIds: readonly string[]): { received: Record<string, number>; delivered: Record<string, number> };
  openInvalidCount(): number;
  /** A claim record's check findings, compact JSON (migration 9); null when it was not checked. */
  findingsOf(messageId: number): string | null;
  findingCountsByDay(fromDayStart: number, toDayStart: number): RuleCountRow[];
  scoreByDay(fromDayStart: number, toDayStart: number): DayScore[];
  recentAlerts(limit: number): AlertRow[];
  openAlerts(): AlertRow[];
}

/** Incidents: one open per kind and target. */
export interface AlertLog {
  openAlert(kind: string, target: string, message: string, messageVi: string, now: number): boolean;
  closeAlert(kind: string, target: string, now: number): boolean;
  openAlerts(): AlertRow[];
  recentAlerts(limit: number): AlertRow[];
}

/** Payload retention (DESIGN §4.8). */
export interface Retention {
  pruneDeliveredPayloads(cutoff: number, limit: number): number;
  payloadBytes(): number;
  reclaimSpace(): void;
}

/** Managed-configuration records and key-rotation records. */
export interface ConfigState {
  highestAppliedVersion(): number;
  isVersionRecorded(version: number): boolean;
  recordApplied(a: AppliedInput): { reconverted: number; auditId: number };
  recordRefused(r: RefusedInput): number;
  managedAuditLog(limit: number): ManagedAuditRow[];
  recordKeyRotation(r: KeyRotation, now: number): number;
  resealPayloads(afterId: number, limit: number): { nextAfterId: number | null; changed: number };
  keysInUse(): Set<number>;
}

/** User accounts and sessions of the LAN status screen, with their audit rows (docs/service.md §5). */
export interface UserAccounts {
  addUser(u: { username: string; role: string; passwordHash: string }, actor: string, now: number): number;
  setPassword(username: string, passwordHash: string, actor: string, now: number): boolean;
  removeUser(username: string, actor: string, now: number): boolean;
  user(username: string): UserRow | undefined;
  listUsers(): UserRow[];
  openSession(s: SessionRow, now: number): void;
  session(tokenHash: string): SessionRow | undefined;
  touchSession(tokenHash: string, now: number): void;
  closeSession(tokenHash: string, username: string | null, now: number): void;
  pruneSessions(now: number, idleBefore: number): number;
  recordAccessRefusal(action: 'sign_in_refused' | 'account_locked', username: string, client: string, reason: string, now: number): number;
  recordPersonAction(action: 'config_imported', target: string | null, actor: string, detail: Record<string, unknown>, now: number): number;
}

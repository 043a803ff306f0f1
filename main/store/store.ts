// The durable store: the ONLY place that runs SQL (STYLE habit 3). `Store` opens the file and
// composes the modules that each do one job; consumers see it through the ports (ports.ts).
import { AlertStore } from './alertLog.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { ConversionStore } from './conversionQueue.js';
import { openDatabase, registerHandle, schemaVersion, withDerivedCommits, type Db, type OpenOptions } from './database.js';
import { DeliveryStore } from './deliveryQueue.js';
import { GroupCommit, type GroupCommitOptions } from './groupCommit.js';
import { Hl7AckStore } from './hl7Acks.js';
import { Intake } from './intake.js';
import * as findings from './findings.js';
import * as managed from './managedConfig.js';
import * as operator from './operatorActions.js';
import { PayloadCipher, plaintextCipher } from './payloadCipher.js';
import { PayloadKeys } from './payloadKeys.js';
import type { AlertLog, ConfigState, ConversionQueue, DeliveryQueue, Hl7AckLedger, IntakeSink, OperatorLedger, ReadModels, Retention, SharedCommit, UserAccounts } from './ports.js';
import { RecordReader } from './readModels.js';
import { metricsSnapshot } from './metrics.js';
import * as reports from './reports.js';
import { RetentionStore } from './retention.js';
import * as search from './search.js';
import type { FileState } from './states.js';
import type { AttemptRecord, NewRecord } from './types.js';
import { UserAccountStore } from './userAccounts.js';

export class Store implements IntakeSink, ConversionQueue, DeliveryQueue, OperatorLedger, ReadModels, AlertLog, Retention, ConfigState {
  /** Accounts and sessions of the LAN status screen (a port of its own: ports.ts UserAccounts). */
  readonly users: UserAccounts;
  private readonly db: Db;
  private checkpointer?: BackgroundCheckpointer;
  private readonly intake: Intake;
  private readonly conversion: ConversionStore;
  private readonly deliveries: DeliveryStore;
  private readonly alerts: AlertStore;
  private readonly retention: RetentionStore;
  private readonly reader: RecordReader;
  private readonly keys: PayloadKeys;

  private constructor(
    readonly path: string,
    /** Seals payloads and makes blind indexes; plaintext unless the agent gives its keyring's. */
    private readonly cipher: PayloadCipher,
    options: OpenOptions,
  ) {
    const db = (this.db = openDatabase(path, options));
    registerHandle(this, db);
    this.intake = new Intake(db, cipher);
    this.conversion = new ConversionStore(db, cipher);
    this.deliveries = new DeliveryStore(db, cipher);
    this.alerts = new AlertStore(db);
    this.retention = new RetentionStore(db);
    this.reader = new RecordReader(db, cipher);
    this.keys = new PayloadKeys(db, cipher);
    this.users = new UserAccountStore(db);
    // Stores' texts kept in clear before they were sealed (or while encryption was off): seal them now.
    this.keys.sealStoreTexts();
  }

  static open(path: string, cipher: PayloadCipher = plaintextCipher(), options: OpenOptions = {}): Store {
    return new Store(path, cipher, options);
  }

  close(): void {
    void this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.db.open) this.db.close();
  }

  /** WAL checkpoints on a thread of their own from now on (see checkpointer.ts); the agent does this. */
  startBackgroundCheckpoints(intervalMs?: number): void {
    this.checkpointer ??= new BackgroundCheckpointer(this.db, this.path, intervalMs);
  }

  /** Back to checkpoints inside commits; resolves once the thread has closed its connection. */
  async stopBackgroundCheckpoints(): Promise<void> {
    const c = this.checkpointer;
    this.checkpointer = undefined;
    await c?.stop();
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Delivery outcomes of several records at once (see DeliveryQueue.transaction). */
  transaction<T>(fn: () => T): T {
    return withDerivedCommits(this.db, () => this.db.transaction(fn)());
  }

  // ---- intake sink ------------------------------------------------------------------------

  beginFile(sourceId: string, path: string, contentHash: string, size: number, now: number) {
    return this.intake.beginFile(sourceId, path, contentHash, size, now);
  }
  commitFileRecords(fileId: number, records: readonly NewRecord[], recordsCommitted: number, now: number) {
    return this.intake.commitFileRecords(fileId, records, recordsCommitted, now);
  }
  finishFile(fileId: number, state: typeof FileState.done | typeof FileState.failed, now: number, error?: { code: string; message: string }): void {
    this.intake.finishFile(fileId, state, now, error);
  }
  insertMessage(record: NewRecord, now: number) {
    return this.intake.insertMessage(record, now);
  }
  rawOf(messageId: number): Buffer | null | undefined {
    return this.reader.messageDetail(messageId)?.raw;
  }
  hl7Acks(): Hl7AckLedger {
    return new Hl7AckStore(this.db);
  }
  groupCommit(opts?: GroupCommitOptions): SharedCommit {
    return new GroupCommit(this.db, opts);
  }

  // ---- conversion queue -------------------------------------------------------------------

  messagesToConvert(limit: number, afterId = 0, maxRawBytes?: number) {
    return this.conversion.messagesToConvert(limit, afterId, maxRawBytes);
  }
  markConverted(...args: Parameters<ConversionQueue['markConverted']>): void {
    this.conversion.markConverted(...args);
  }
  commitConversions(...args: Parameters<ConversionQueue['commitConversions']>): void {
    this.conversion.commitConversions(...args);
  }
  markInvalid(...args: Parameters<ConversionQueue['markInvalid']>): void {
    this.conversion.markInvalid(...args);
  }

  // ---- delivery queue ---------------------------------------------------------------------

  claimDue(destinationId: string, now: number, limit: number) {
    return this.deliveries.claimDue(destinationId, now, limit);
  }
  nextDueAt(destinationId: string) {
    return this.deliveries.nextDueAt(destinationId);
  }
  markDelivered(messageId: number, destinationId: string, response: string, attempt: AttemptRecord, now: number): void {
    this.deliveries.markDelivered(messageId, destinationId, response, attempt, now);
  }
  markRetry(...args: Parameters<DeliveryQueue['markRetry']>): void {
    this.deliveries.markRetry(...args);
  }
  markRejected(...args: Parameters<DeliveryQueue['markRejected']>): void {
    this.deliveries.markRejected(...args);
  }
  recordAttempt(a: AttemptRecord): void {
    this.deliveries.recordAttempt(a);
  }
  markPartDone(...args: Parameters<DeliveryQueue['markPartDone']>): void {
    this.deliveries.markPartDone(...args);
  }
  restartParts(messageId: number, destinationId: string, now: number): void {
    this.deliveries.restartParts(messageId, destinationId, now);
  }
  learnedLimit(destinationId: string) {
    return this.deliveries.learnedLimit(destinationId);
  }
  learnLimit(...args: Parameters<DeliveryQueue['learnLimit']>): void {
    this.deliveries.learnLimit(...args);
  }
  resumeDestination(destinationId: string, now: number) {
    return this.deliveries.resumeDestination(destinationId, now);
  }
  resetInFlight(now: number) {
    return this.deliveries.resetInFlight(now);
  }

  // ---- operator ledger ----------------------------------------------------------------------

  retryNow(messageId: number, now: number) {
    return this.deliveries.retryNow(messageId, now);
  }
  retryMessage(messageId: number, actor: string, now: number) {
    return operator.retryMessage(this.db, messageId, actor, now);
  }
  retryRejected(destinationId: string | undefined, actor: string, now: number) {
    return operator.retryRejected(this.db, destinationId, actor, now);
  }
  resend(messageId: number, destinationId: string, actor: string, now: number) {
    return operator.resend(this.db, messageId, destinationId, actor, now);
  }
  cancelDeliveries(messageId: number, destinationId: string | undefined, actor: string, now: number) {
    return operator.cancelDeliveries(this.db, messageId, destinationId, actor, now);
  }
  resendMatching(destinationId: string, filter: operator.ResendFilter, actor: string, now: number) {
    return operator.resendMatching(this.db, destinationId, filter, actor, now);
  }
  setDestinationPaused(destinationId: string, paused: boolean, actor: string, now: number) {
    return operator.setDestinationPaused(this.db, destinationId, paused, actor, now);
  }
  pausedDestinations() {
    return operator.pausedDestinations(this.db);
  }
  auditLog(limit: number) {
    return operator.auditLog(this.db, limit);
  }

  // ---- read models --------------------------------------------------------------------------

  messageCounts() {
    return this.reader.messageCounts();
  }
  sourceCounts() {
    return this.reader.sourceCounts();
  }
  destinationCounts() {
    return this.reader.destinationCounts();
  }
  lastReceivedAt() {
    return this.reader.lastReceivedAt();
  }
  recordsAwaitingDelivery() {
    return this.reader.recordsAwaitingDelivery();
  }
  recordOrigin(messageId: number) {
    return this.reader.recordOrigin(messageId);
  }
  metricsSnapshot(boundsMs: readonly number[]) {
    return metricsSnapshot(this.db, boundsMs);
  }
  message(id: number) {
    return this.reader.message(id);
  }
  listMessages(limit: number, beforeId?: number) {
    return this.reader.listMessages(limit, beforeId);
  }
  messageDetail(id: number) {
    return this.reader.messageDetail(id);
  }
  deliveriesOf(messageId: number) {
    return this.reader.deliveriesOf(messageId);
  }
  attemptsOf(messageId: number) {
    return this.reader.attemptsOf(messageId);
  }
  searchRecords(p: search.RecordSearch) {
    return search.searchRecords(this.db, this.cipher, p);
  }
  explainSearch(p: search.RecordSearch) {
    return search.explainSearch(this.db, this.cipher, p);
  }
  dailyReport(fromDayStart: number, toDayStart: number, destinationIds: readonly string[]) {
    return reports.dailyReport(this.db, fromDayStart, toDayStart, destinationIds);
  }
  qualityReport(from: number, to: number) {
    return reports.qualityReport(this.db, from, to);
  }
  qualityByDay(fromDayStart: number, toDayStart: number) {
    return reports.qualityByDay(this.db, fromDayStart, toDayStart);
  }
  latencyReport(from: number, to: number, destinationIds: readonly string[]) {
    return reports.latencyReport(this.db, from, to, destinationIds);
  }
  throughput(now: number, bucketMs: number, count: number, destinationIds: readonly string[], firstStart?: number) {
    return reports.throughput(this.db, now, bucketMs, count, destinationIds, firstStart);
  }
  todayCounts(dayStart: number, now: number, destinationIds: readonly string[]) {
    return reports.todayCounts(this.db, dayStart, now, destinationIds);
  }
  openInvalidCount() {
    return reports.openInvalidCount(this.db);
  }
  findingsOf(messageId: number) {
    return findings.findingsOf(this.db, messageId);
  }
  findingCountsByDay(fromDayStart: number, toDayStart: number) {
    return findings.findingCountsByDay(this.db, fromDayStart, toDayStart);
  }
  scoreByDay(fromDayStart: number, toDayStart: number) {
    return findings.scoreByDay(this.db, fromDayStart, toDayStart);
  }

  // ---- alerts -------------------------------------------------------------------------------

  openAlert(kind: string, target: string, message: string, messageVi: string, now: number) {
    return this.alerts.openAlert(kind, target, message, messageVi, now);
  }
  closeAlert(kind: string, target: string, now: number) {
    return this.alerts.closeAlert(kind, target, now);
  }
  openAlerts() {
    return this.alerts.openAlerts();
  }
  recentAlerts(limit: number) {
    return this.alerts.recentAlerts(limit);
  }

  // ---- retention ----------------------------------------------------------------------------

  pruneDeliveredPayloads(cutoff: number, limit: number) {
    return this.retention.pruneDeliveredPayloads(cutoff, limit);
  }
  payloadBytes() {
    return this.retention.payloadBytes();
  }
  reclaimSpace(): void {
    this.retention.reclaimSpace();
  }

  // ---- config state -------------------------------------------------------------------------

  highestAppliedVersion() {
    return managed.highestAppliedVersion(this.db);
  }
  isVersionRecorded(version: number) {
    return managed.isVersionRecorded(this.db, version);
  }
  recordApplied(a: managed.AppliedInput) {
    return managed.recordApplied(this.db, a);
  }
  recordRefused(r: managed.RefusedInput) {
    return managed.recordRefused(this.db, r);
  }
  managedAuditLog(limit: number) {
    return managed.managedAuditLog(this.db, limit);
  }
  recordKeyRotation(r: operator.KeyRotation, now: number) {
    return operator.recordKeyRotation(this.db, r, now);
  }
  resealPayloads(afterId: number, limit: number) {
    return this.keys.resealPayloads(afterId, limit);
  }
  keysInUse() {
    return this.keys.keysInUse();
  }
}

// The typed contract of the loopback status API (DESIGN §8, §10), shared by the server and
// the UI. `GET /api/status` keeps the §10 shape; fields here may only be added.

export interface SourceStatusDto {
  id: string;
  type: string;
  state: string;
  /** Records received from this source, all time. */
  received: number;
  lastReceivedAt: string | null;
  detail?: string;
  progress?: { file: string; bytesRead: number; bytesTotal: number; records: number };
  /** Network sources: where senders connect (host:port). */
  address?: string;
  /** Something to put right though the source works (e.g. an MLLP listener open to every sender). */
  warning?: string;
  /** Folder sources: files in the folder not read yet. */
  waitingFiles?: number;
}

export interface DestinationStatusDto {
  id: string;
  /** Name for people (config `destinations[].name`); absent: show the id. */
  name?: string;
  baseUrl: string;
  state: string;
  /** Deliveries still owed: pending, in flight, waiting to retry, paused. */
  pending: number;
  delivered: number;
  rejected: number;
  lastSuccessAt: string | null;
  /** Why sending is paused, while state is paused: operator, auth (credentials refused) or misconfigured. */
  pausedBy?: string;
  lastError?: { code: string; message: string; messageVi: string; at: string };
  /** Timeouts after the request was sent, retried safely (idempotent writes), counted apart. */
  ambiguous?: number;
  /** Records per transaction right now (adaptive batching). */
  batchSize?: number;
  /** What the store lacks for this delivery mode (from its CapabilityStatement), in plain words. */
  warnings?: { code: string; message: string; messageVi: string }[];
  /** Most entries per request now: configured, or learned from the store's refusal. */
  entryLimit?: number;
  /** Records being sent in several requests right now: which part of how many ("phần 2/4"). */
  inParts?: ({ messageId: number } & PartDto)[];
}

export interface StatusResponse {
  version: string;
  facility: { code: string; name?: string };
  startedAt: string;
  sources: SourceStatusDto[];
  destinations: DestinationStatusDto[];
  counts: { received: number; converted: number; invalid: number };
  /** Ministry-managed configuration: the document in force and the last problem (docs/managed-config.md). */
  managed?: ManagedStatusDto;
  /** Present when an update feed is configured and has been read. */
  update?: UpdateStatusDto;
  /** Open incidents (destination down, credentials refused, backlog, no input …). */
  alerts: AlertDto[];
  /** Files the watched folders moved to their error folders (additive to DESIGN §10). */
  errorFiles?: ErrorFilesSummary;
}

export interface ErrorFilesSummary {
  /** Files in the error folders now. */
  count: number;
  /** Of those, the ones that arrived after an officer last marked the list as seen. */
  new: number;
  /** When the newest arrived. */
  lastAt: string | null;
}

/** One file a watched folder could not take in. */
export interface ErrorFileDto {
  sourceId: string;
  name: string;
  /** The error folder it is in (open it to look at the file and its .error.txt). */
  folder: string;
  code: string | null;
  /** The reason in Vietnamese, and what to do. */
  reason: string;
  action: string;
  at: string;
  isNew: boolean;
}

export interface ErrorFileListResponse {
  items: ErrorFileDto[];
  total: number;
  seenAt: string | null;
}

export interface AlertDto {
  kind: string;
  target: string;
  message: string;
  messageVi: string;
  openedAt: string;
}

export interface ManagedStatusDto {
  /** Version of the ministry document in force; 0 when only the local configuration applies. */
  version: number;
  appliedAt: string | null;
  /** How the document in force arrived: poll (managed.url), import (file into the running agent), pending (file imported while stopped), local (none). */
  source: 'poll' | 'import' | 'pending' | 'local';
  /** The last document refused or the last fetch that failed, until a later success. */
  lastError?: { code: string; message: string; at: string };
}

export interface UpdateStatusDto {
  available: boolean;
  /** Latest version in the update feed. */
  version: string;
  checkedAt: string;
}

/** One ministry document applied or refused, from the audit log. */
export interface ManagedAuditEntryDto {
  id: number;
  at: string;
  action: 'config_applied' | 'config_refused';
  /** The document's version (null when it could not be read). */
  version: number | null;
  /** Records sent back to conversion. */
  affected: number;
  detail: Record<string, unknown>;
}

/** `GET /api/config/managed`. */
export interface ManagedConfigResponse {
  status: ManagedStatusDto;
  url: string | null;
  /** Fingerprint of the pinned ministry key, null when none is pinned or it cannot be read. */
  keyId: string | null;
  /** The document in force (its signed JSON, decoded), null when none. */
  document: Record<string, unknown> | null;
  update: UpdateStatusDto | null;
  audit: ManagedAuditEntryDto[];
}

/** `POST /api/config/import` (body: the signed document). 200 when applied, 422 when refused. */
export type ManagedImportResponse =
  | { applied: true; version: number; reconverted: number; unchanged: boolean }
  | { applied: false; code: string; reason: string; version: number | null };

export interface MessageSummaryDto {
  id: number;
  sourceId: string;
  format: string;
  naturalKey: string | null;
  version: number;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  receivedAt: string;
  convertedAt: string | null;
  resourceCount: number | null;
  /** The file it was read from (file name) and its HOSO number there; absent for MLLP. */
  origin?: { file: string; recordNumber: number | null };
  /** An invalid record: why, and what to do, in Vietnamese. */
  problem?: { reason: string; action: string };
}

export interface MessageListResponse {
  items: MessageSummaryDto[];
  /** Pass as `before` to get the next (older) page; null at the end. */
  nextBefore: number | null;
}

export interface DeliveryDto {
  destinationId: string;
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastErrorCode: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  /** A record being delivered in several requests: the part going out now, of how many. */
  part?: PartDto;
  /** State `superseded`: the record id of the newer version sent instead. */
  supersededBy?: number;
}

export interface PartDto {
  part: number;
  of: number;
}

export interface AttemptDto {
  destinationId: string;
  startedAt: string;
  durationMs: number;
  outcome: string;
  errorCode?: string;
  httpStatus?: number;
  response?: string;
}

export interface MessageDetailResponse extends MessageSummaryDto {
  raw: string | null;
  bundle: unknown;
  issues: unknown;
  deliveries: DeliveryDto[];
  attempts: AttemptDto[];
  /**
   * Pre-submission check findings of a claim record (docs/claim-checks.md), in reading order;
   * null when the record was not checked (not claim XML, or not converted yet). Never a value of the record.
   */
  findings?: ClaimFindingDto[] | null;
}

/** One claim-check finding: which rule, where, and what to fix (Vietnamese and English). */
export interface ClaimFindingDto {
  rule: string;
  severity: 'error' | 'warning';
  /** `XML1` … `XML15`. */
  table: string;
  /** 1-based row in its table; null for the table as a whole. */
  row: number | null;
  /** Element name; null for the table as a whole. */
  field: string | null;
  message: string;
  messageEn: string;
  /** For amounts: what the element should hold. */
  expected?: string;
}

/** Every refusal of the status API (400, 401, 403, 404, 409, 429, 500). */
export interface ApiErrorBody {
  error: string;
  message: string;
}

/** `<dataDir>/api.json`, mode 0600. */
export interface ApiInfo {
  url: string;
  token: string;
  uiUrl: string;
}

// ---- Status UI (renderer/): endpoints under /api/ui/ and /api/events -------------------------

/** `GET /api/ui/overview`, also pushed as the `overview` server-sent event on `/api/events`. */
export interface OverviewResponse {
  status: StatusResponse;
  /** Start of "today" on the agent's clock (local midnight), ISO. */
  todayStartsAt: string;
  /** Records received today, by source id. */
  receivedToday: Record<string, number>;
  /** Deliveries that succeeded today, by destination id. */
  deliveredToday: Record<string, number>;
  /** Destinations an operator paused from the UI. */
  pausedByOperator: string[];
  /** Invalid records not yet replaced by a newer version of the same record. */
  openInvalid: number;
  /** Records (not record × destination) still owed to at least one destination. */
  recordsAwaitingDelivery?: number;
  /** Ministry-managed configuration in force, if any. */
  managed: ManagedConfigDto | null;
}

export interface ManagedConfigDto {
  version: number;
  appliedAt: string | null;
}

/** One bucket of the throughput chart: records received and deliveries made in [start, start + bucketMs). */
export interface ThroughputBucketDto {
  start: string;
  received: number;
  /** Deliveries that succeeded, by destination id. */
  delivered: Record<string, number>;
}

/** `GET /api/ui/throughput?range=24h|7d`. */
export interface ThroughputResponse {
  range: '24h' | '7d';
  bucketMs: number;
  buckets: ThroughputBucketDto[];
}

/** Delivery state of a record at one destination, as listed on the records screen. */
export interface RecordDeliveryStateDto {
  destinationId: string;
  state: string;
  /** A record being delivered in several requests: the part going out now, of how many. */
  part?: PartDto;
}

export interface RecordListItemDto extends MessageSummaryDto {
  /** MA_LK for claims, MSH-10 for HL7v2. */
  recordKey: string | null;
  patientName: string | null;
  maBn: string | null;
  deliveries: RecordDeliveryStateDto[];
}

/**
 * `GET /api/ui/records?q&from&to&state&destination&before&limit`: newest first, keyset paging.
 * `q` matches MA_LK, MA_BN or CCCD exactly, else the patient's name (without diacritics, any part).
 * `from`/`to` are days `YYYY-MM-DD` on the agent's clock, both included. `state` is a record state
 * (received, converted, invalid) or a delivery state (pending, retry_wait, rejected, delivered, …).
 */
export interface RecordListResponse {
  items: RecordListItemDto[];
  nextBefore: number | null;
}

/** `GET /api/ui/reports?from&to` (days `YYYY-MM-DD`, both included). */
export interface ReportResponse {
  from: string;
  to: string;
  days: DailyReportRowDto[];
  quality: QualityReportDto;
  /** The same quality counts for each day of the period. */
  qualityByDay: ({ day: string } & QualityReportDto)[];
  latency: LatencyReportDto[];
  /** Claim-check findings per rule for each day (by the day the record was received); days without findings have no rows. */
  findingsByDay?: FindingCountDto[];
  /** The "đúng – đủ – sạch – sống" score of each day (docs/claim-checks.md). */
  scoreByDay?: DayScoreDto[];
}

export interface FindingCountDto {
  day: string;
  rule: string;
  severity: 'error' | 'warning';
  /** Which part of the motto the rule speaks of: correct (đúng), sufficient (đủ), clean (sạch). */
  dimension: 'correct' | 'sufficient' | 'clean';
  /** Records with at least one finding of the rule. */
  records: number;
  findings: number;
  /** What the rule asks for, to read the row without the catalogue. */
  message: string;
  messageEn: string;
}

/**
 * One day's "đúng – đủ – sạch – sống": each count is of the records received that day whose
 * conversion finished (`checked`); `score` is the mean of the four shares, 0–100, null when
 * nothing was checked.
 */
export interface DayScoreDto {
  day: string;
  checked: number;
  /** đúng: converted (valid FHIR) and no finding of a đúng rule (dates, amounts, card, birth date). */
  correct: number;
  /** đủ: no required field missing at conversion and no finding of a đủ rule. */
  sufficient: number;
  /** sạch: no finding of a sạch rule (code formats, placeholders, literal null). */
  clean: number;
  /** sống: delivered to every destination within 24 h of the encounter's end. */
  alive: number;
  score: number | null;
}

export interface DailyReportRowDto {
  day: string;
  destinationId: string;
  /** Records received that day (the same for every destination). */
  received: number;
  delivered: number;
  /** Deliveries rejected by the store that day and still rejected. */
  rejected: number;
}

/** "đúng – đủ – sạch – sống" (DESIGN §6) over the records received in the period. */
export interface QualityReportDto {
  received: number;
  converted: number;
  invalid: number;
  /** đủ: converted records whose patient carries a CCCD. */
  withCccd: number;
  /** sạch: converted records whose conversion raised no warning. */
  withoutWarnings: number;
  /** Records sent again with changed content (version > 1). */
  newVersions: number;
  /** đủ: converted records with every required field of their format present. */
  complete: number;
  /** The required fields most often absent (names only), with how many records lack each. */
  missingByField: { field: string; records: number }[];
}

/** sống: time from the encounter's end to delivery, per destination. */
export interface LatencyReportDto {
  destinationId: string;
  delivered: number;
  medianHours: number | null;
  p90Hours: number | null;
  /** Share of deliveries made within 24 hours of the encounter's end (0–1). */
  within24h: number | null;
}

/** `GET /api/ui/config`: the configuration in force, secrets masked. */
export interface ConfigViewResponse {
  facility: { code: string; name?: string };
  dataDir: string;
  sources: Record<string, unknown>[];
  destinations: Record<string, unknown>[];
  statusApi: { host: string; port: number };
  retry: Record<string, number>;
  managed: ManagedConfigDto | null;
  managedUrl: string | null;
}

/** `POST /api/ui/destinations/:id/test`: reads the store's CapabilityStatement. */
export interface ConnectionTestResponse {
  destinationId: string;
  ok: boolean;
  code: 'ok' | 'unreachable' | 'timeout' | 'auth' | 'not_found' | 'not_fhir' | 'http_error' | 'secret_missing';
  httpStatus?: number;
  fhirVersion?: string;
  software?: string;
  durationMs: number;
  message: string;
  messageVi: string;
  /** Each step checked, in order, up to the first that failed. */
  steps?: { name: string; ok: boolean; detail: string; detailVi: string }[];
}

/** Operator actions (POST, JSON body), each audited. */
export type OperatorActionRequest =
  | { action: 'retry_message'; messageId: number }
  | { action: 'retry_rejected'; destinationId?: string }
  | { action: 'resend'; messageId: number; destinationId: string }
  | { action: 'pause_destination'; destinationId: string }
  | { action: 'resume_destination'; destinationId: string }
  /** Take a record's unfinished deliveries out of the queue (one destination, or all). */
  | { action: 'cancel'; messageId: number; destinationId?: string }
  /** Send every converted record matching the filter to one destination again (all when no filter). */
  | { action: 'resend_matching'; destinationId: string; from?: string; to?: string; deliveryState?: string };

/** `POST /api/ui/actions`. */
export interface OperatorActionResponse {
  action: OperatorActionRequest['action'];
  /** Deliveries (or destinations) changed. */
  affected: number;
  auditId: number;
}

export interface AuditEntryDto {
  id: number;
  at: string;
  action: string;
  target: string | null;
  actor: string;
  affected: number;
  /** `before` / `after` of what the action changed, and its own fields (ids and codes only). */
  detail: Record<string, unknown> | null;
}

/** `GET /api/ui/audit?limit` (newest first); `GET /api/ui/audit.csv` gives the same rows for reports. */
export interface AuditListResponse {
  items: AuditEntryDto[];
}

// ---- Status screen on the hospital LAN (docs/service.md §5) ------------------------------------

export interface SignInRequest {
  username: string;
  password: string;
}

/** Who the screen is talking as: a person on the LAN listener, or the agent's own machine (token). */
export interface SessionResponse {
  channel: 'loopback' | 'lan';
  /** The user name on the LAN; null on loopback (the operating-system account acts). */
  user: string | null;
  role: 'officer' | 'admin';
  /** When the session ends at the latest (LAN only). */
  expiresAt: string | null;
}

/** The session token goes in `Authorization: Bearer …` like the loopback token. */
export interface SignInResponse extends SessionResponse {
  token: string;
}

/** One line of the agent's log (GET /api/logs). */
export interface LogEntryDto {
  at: string;
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface LogListResponse {
  items: LogEntryDto[];
}

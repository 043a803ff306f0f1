// Append-only list of schema migrations (DESIGN §4.8). Never edit or reorder a migration
// that has shipped: add a new one. Each runs in its own transaction. Tables are STRICT and
// every index names the query it serves.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, deliveries, ingested files',
    sql: `
CREATE TABLE ingested_files (
  id                INTEGER PRIMARY KEY,
  source_id         TEXT    NOT NULL,
  path              TEXT    NOT NULL,          -- where the file was when intake began
  content_hash      TEXT    NOT NULL,          -- sha256 of the whole file
  size              INTEGER NOT NULL,
  records_committed INTEGER NOT NULL DEFAULT 0, -- progress: HOSO already committed (resume point)
  state             TEXT    NOT NULL,          -- reading | done | failed
  error_code        TEXT,
  error_message     TEXT,
  started_at        INTEGER NOT NULL,          -- epoch ms
  finished_at       INTEGER,
  UNIQUE (source_id, content_hash)            -- a file seen again (same bytes) resumes or is skipped
) STRICT;

CREATE TABLE messages (
  id             INTEGER PRIMARY KEY,
  source_id      TEXT    NOT NULL,
  format         TEXT    NOT NULL,             -- xml130 | hl7v2
  content_hash   TEXT    NOT NULL,             -- sha256 of raw
  natural_key    TEXT,                         -- MA_CSKCB|MA_LK (claims), MSH-10 (HL7v2)
  version        INTEGER NOT NULL DEFAULT 1,   -- 1 + earlier versions of the same natural key
  raw            BLOB,                         -- original bytes; NULL once pruned by retention
  raw_size       INTEGER NOT NULL,
  file_id        INTEGER REFERENCES ingested_files(id),
  record_index   INTEGER,                      -- position of the record in its file
  state          TEXT    NOT NULL,             -- received | converted | invalid
  error_code     TEXT,
  error_message  TEXT,
  received_at    INTEGER NOT NULL,
  converted_at   INTEGER,
  bundle         TEXT,                         -- FHIR Bundle JSON
  issues         TEXT,                         -- JSON: warnings, validation issues, not-mapped fields
  resource_count INTEGER,
  UNIQUE (source_id, content_hash)            -- intake dedupe on (source, content hash), DESIGN §4.3
) STRICT;
-- convert worker: next messages still in state 'received', in arrival order
CREATE INDEX messages_by_state ON messages (state, id);
-- versioning at intake and history in the UI: all versions of one MA_LK / MSH-10
CREATE INDEX messages_by_natural_key ON messages (natural_key, version);
-- "received today" per source on the status API
CREATE INDEX messages_by_source_time ON messages (source_id, received_at);

CREATE TABLE deliveries (
  message_id       INTEGER NOT NULL REFERENCES messages(id),
  destination_id   TEXT    NOT NULL,
  state            TEXT    NOT NULL,           -- pending | in_flight | delivered | retry_wait | rejected | paused
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,           -- epoch ms; due when <= now
  last_error_code  TEXT,
  last_error       TEXT,
  last_response    TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  delivered_at     INTEGER,
  PRIMARY KEY (message_id, destination_id)
) STRICT;
-- delivery worker: due rows of one destination, oldest message first; also per-state counts
CREATE INDEX deliveries_due ON deliveries (destination_id, state, next_attempt_at, message_id);
-- last success per destination
CREATE INDEX deliveries_delivered ON deliveries (destination_id, delivered_at) WHERE delivered_at IS NOT NULL;

CREATE TABLE delivery_attempts (
  id             INTEGER PRIMARY KEY,
  message_id     INTEGER NOT NULL,
  destination_id TEXT    NOT NULL,
  started_at     INTEGER NOT NULL,
  duration_ms    INTEGER NOT NULL,
  outcome        TEXT    NOT NULL,             -- delivered | transient | ambiguous | auth | misconfigured | rejected
  error_code     TEXT,
  http_status    INTEGER,
  response       TEXT                          -- short summary or OperationOutcome text; never patient data
) STRICT;
-- a record's page: every attempt, per destination
CREATE INDEX delivery_attempts_by_message ON delivery_attempts (message_id, destination_id, id);
`,
  },
];

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
  raw            BLOB,                         -- original bytes, sealed (payloadCipher.ts); NULL once pruned
  raw_size       INTEGER NOT NULL,
  file_id        INTEGER REFERENCES ingested_files(id),
  record_index   INTEGER,                      -- position of the record in its file
  state          TEXT    NOT NULL,             -- received | converted | invalid
  error_code     TEXT,
  error_message  TEXT,
  received_at    INTEGER NOT NULL,
  converted_at   INTEGER,
  bundle         BLOB,                         -- FHIR Bundle JSON, sealed
  issues         BLOB,                         -- JSON (warnings, validation issues, not-mapped fields), sealed
  resource_count INTEGER,
  warning_count  INTEGER,                      -- warnings on the record, for the quality report
  missing_fields TEXT,                         -- "đủ": required fields absent, comma-separated names (never values)
  normalised_count INTEGER,                    -- "sạch": values normalised while reading (codes, dates, money)
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
  {
    version: 2,
    name: 'records search, operator actions, destination pause',
    sql: `
-- Records screen search (main/store/search.ts): the fields officers look a record up by,
-- written by the store in the same transaction that stores or converts the record. Patient
-- identifiers and names are never kept in clear: CCCD and MA_BN as keyed hashes (blind
-- indexes), the name sealed for display plus one keyed hash per name word for search.
CREATE TABLE record_search (
  message_id    INTEGER PRIMARY KEY,
  record_key    TEXT,    -- MA_LK for claims (natural key after "MA_CSKCB|"), MSH-10 for HL7v2
  ma_bn         TEXT,    -- blind index of Patient.identifier typed MR
  cccd          TEXT,    -- blind index of Patient.identifier typed CCCD
  patient_name  BLOB,    -- Patient.name[0] as written, sealed (for display)
  ma_bn_sealed  BLOB,    -- MA_BN sealed (for display)
  encounter_end TEXT     -- Encounter.period.end (FHIR dateTime); reports: encounter end → delivery
) STRICT;
-- search by MA_LK / MA_BN / CCCD: exact match
CREATE INDEX record_search_by_key ON record_search (record_key);
CREATE INDEX record_search_by_ma_bn ON record_search (ma_bn);
CREATE INDEX record_search_by_cccd ON record_search (cccd);
-- search by name: each word of the folded name (no diacritics, lower case) as a blind index
CREATE TABLE record_name_words (
  word       TEXT    NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY (word, message_id)
) STRICT, WITHOUT ROWID;

-- records filtered by delivery state ("rejected at the ministry"), and "retry all rejected"
CREATE INDEX deliveries_by_state ON deliveries (state, message_id);
-- reports per day and the throughput chart: records received in a time range
CREATE INDEX messages_by_received_at ON messages (received_at);

-- Every operator action taken from the status UI (DESIGN §9 audit): who, what, on what, how many rows.
CREATE TABLE operator_actions (
  id       INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,    -- epoch ms
  action   TEXT    NOT NULL,    -- retry_message | retry_rejected | resend | pause_destination | resume_destination
  target   TEXT,                -- record id or destination id
  actor    TEXT    NOT NULL,    -- OS account running the agent + where the request came from
  affected INTEGER NOT NULL,    -- deliveries changed
  detail   TEXT                 -- JSON, ids and codes only (no patient data)
) STRICT;

-- Destinations an operator paused from the UI; kept across restarts.
CREATE TABLE destination_controls (
  destination_id TEXT    PRIMARY KEY,
  paused         INTEGER NOT NULL,  -- 1 paused by an operator, 0 running
  changed_at     INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 3,
    name: 'HL7v2 acknowledgements',
    sql: `
-- HL7v2 intake (main/store/hl7Acks.ts): the ACK given for each (source, MSH-10), so that a
-- re-send with other bytes is recognised and gets the same ACK again.
CREATE TABLE hl7_acks (
  source_id   TEXT    NOT NULL,
  control_id  TEXT    NOT NULL,               -- MSH-10
  message_id  INTEGER NOT NULL REFERENCES messages(id),
  ack         TEXT    NOT NULL,
  app_ack     TEXT,                           -- enhanced mode: application ACK after conversion
  acked_at    INTEGER NOT NULL,               -- epoch ms of the commit
  PRIMARY KEY (source_id, control_id)         -- intake dedupe on (source, MSH-10)
) STRICT;
-- application ACK after conversion: find the intake row of a message
CREATE INDEX hl7_acks_by_message ON hl7_acks (message_id);
`,
  },
  {
    version: 4,
    name: 'per-patient delivery order, alerts',
    sql: `
-- Order per patient (DESIGN §4.7): a delivery waits while an older delivery with the same
-- order key (the record's Patient id) is still open at the same destination.
ALTER TABLE deliveries ADD COLUMN order_key TEXT;
-- claimDue: the head-of-line check "an older open delivery of the same patient here?"
CREATE INDEX deliveries_open_by_order_key ON deliveries (destination_id, order_key, message_id)
  WHERE state IN ('pending', 'in_flight', 'retry_wait');
-- claimDue: open deliveries of one destination in message order (the queue itself)
CREATE INDEX deliveries_queue ON deliveries (destination_id, message_id)
  WHERE state IN ('pending', 'retry_wait');

-- Alerts are raised on a change of state only: one row per incident, closed when it ends.
CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,
  kind        TEXT    NOT NULL,           -- destination_down | destination_auth | endpoint_misconfigured | backlog | no_input
  target      TEXT    NOT NULL,           -- destination or source id ('' for the agent)
  message     TEXT    NOT NULL,           -- English, plain words
  message_vi  TEXT    NOT NULL,           -- Vietnamese, plain words
  opened_at   INTEGER NOT NULL,
  closed_at   INTEGER
) STRICT;
-- "is this incident already open?" and the open alerts on the status page
CREATE UNIQUE INDEX alerts_open ON alerts (kind, target) WHERE closed_at IS NULL;
`,
  },
  {
    version: 5,
    name: 'ministry-managed configuration',
    sql: `
-- Ministry config documents applied (main/store/managedConfig.ts), one row per version. The
-- highest version here is the floor below which documents are refused (replay / rollback),
-- even if <dataDir>/managed/current.json were restored from an old backup. A version that is in
-- current.json but not here was interrupted after the file was written; the next start completes it.
CREATE TABLE managed_config_applied (
  version     INTEGER PRIMARY KEY,
  digest      TEXT    NOT NULL,   -- sha256 of the signed document bytes
  key_id      TEXT    NOT NULL,   -- fingerprint of the key that signed it
  source      TEXT    NOT NULL,   -- poll | import | pending
  applied_at  INTEGER NOT NULL,   -- epoch ms
  reconverted INTEGER NOT NULL    -- records sent back to conversion by this document
) STRICT;
-- GET /api/config/managed: the latest config_applied / config_refused audit rows
CREATE INDEX operator_actions_by_action ON operator_actions (action, id);
`,
  },
  {
    version: 6,
    name: 'append-only audit log',
    sql: `
-- The audit log (operator and ministry actions, key rotations) is append-only (DESIGN §9,
-- docs/security.md): a row, once written, can be neither changed nor removed through SQL.
CREATE TRIGGER operator_actions_no_update BEFORE UPDATE ON operator_actions
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;
CREATE TRIGGER operator_actions_no_delete BEFORE DELETE ON operator_actions
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;
`,
  },
  {
    version: 7,
    name: 'state counters for the status API',
    sql: `
-- The status API and the UI ask for counts every second; counting a million rows each time
-- would not do. Triggers keep one row per (scope, key, state) exact, in the same transaction
-- as the change. scope: 'message' (key ''), 'source' (key = source id, state 'received'),
-- 'delivery' (key = destination id).
CREATE TABLE state_counts (
  scope TEXT    NOT NULL,
  key   TEXT    NOT NULL,
  state TEXT    NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (scope, key, state)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_message_insert AFTER INSERT ON messages BEGIN
  INSERT INTO state_counts (scope, key, state, n) VALUES ('message', '', NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
  INSERT INTO state_counts (scope, key, state, n) VALUES ('source', NEW.source_id, 'received', 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER count_message_state AFTER UPDATE OF state ON messages WHEN OLD.state <> NEW.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE scope = 'message' AND key = '' AND state = OLD.state;
  INSERT INTO state_counts (scope, key, state, n) VALUES ('message', '', NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER count_delivery_insert AFTER INSERT ON deliveries BEGIN
  INSERT INTO state_counts (scope, key, state, n) VALUES ('delivery', NEW.destination_id, NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER count_delivery_state AFTER UPDATE OF state ON deliveries WHEN OLD.state <> NEW.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE scope = 'delivery' AND key = OLD.destination_id AND state = OLD.state;
  INSERT INTO state_counts (scope, key, state, n) VALUES ('delivery', NEW.destination_id, NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER count_delivery_delete AFTER DELETE ON deliveries BEGIN
  UPDATE state_counts SET n = n - 1 WHERE scope = 'delivery' AND key = OLD.destination_id AND state = OLD.state;
END;

-- Rows stored before this migration.
INSERT INTO state_counts (scope, key, state, n) SELECT 'message', '', state, count(*) FROM messages GROUP BY state;
INSERT INTO state_counts (scope, key, state, n) SELECT 'source', source_id, 'received', count(*) FROM messages GROUP BY source_id;
INSERT INTO state_counts (scope, key, state, n) SELECT 'delivery', destination_id, state, count(*) FROM deliveries GROUP BY destination_id, state;
`,
  },
  {
    version: 8,
    name: 'records delivered in parts, learned entry limits',
    sql: `
-- A record larger than its store takes in one request goes as several parts (DESIGN §10
-- maxEntriesPerRequest). Progress is kept per delivery so a crash between parts resumes at the
-- first part not confirmed; the limit the parts were cut for is kept with it, so the same parts
-- are cut again after a restart even if the destination's limit changed meanwhile.
ALTER TABLE deliveries ADD COLUMN parts_done  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN parts_total INTEGER;
ALTER TABLE deliveries ADD COLUMN parts_limit INTEGER;  -- entries per request the parts were cut for (0: no limit)

-- Never older over newer (main/store/versions.ts): what is still owed of an older version of a
-- record becomes 'superseded' once a newer version is queued; this names the newer message.
ALTER TABLE deliveries ADD COLUMN superseded_by INTEGER;

-- The entry limit a store taught by refusing a request for its size (HTTP 413, or a 400 that
-- says the bundle is too large): remembered across restarts, one row per destination.
CREATE TABLE destination_limits (
  destination_id TEXT    PRIMARY KEY,
  max_entries    INTEGER NOT NULL,
  learned_at     INTEGER NOT NULL,
  http_status    INTEGER NOT NULL,
  reason         TEXT    NOT NULL      -- the store's words, never patient data
) STRICT;
`,
  },
  {
    version: 9,
    name: 'claim-check findings per record',
    sql: `
-- Pre-submission check findings of each claim record (docs/claim-checks.md), written with its
-- conversion outcome. Only rule ids, table names, row numbers, element names and, for money,
-- the amount the lines add up to: never a value of the record, so nothing here is sealed.
CREATE TABLE record_findings (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  findings   TEXT    NOT NULL,   -- JSON [[rule, table, row, field, expected?], ...]
  errors     INTEGER NOT NULL,   -- findings of severity error
  warnings   INTEGER NOT NULL
) STRICT;
-- One row per record and rule: the reports count rules per day, and the score asks whether a
-- record has a finding of a dimension (đúng / đủ / sạch).
CREATE TABLE record_finding_rules (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  rule       TEXT    NOT NULL,
  severity   TEXT    NOT NULL,   -- error | warning
  dimension  TEXT    NOT NULL,   -- correct | sufficient | clean
  n          INTEGER NOT NULL,   -- findings of this rule on the record
  PRIMARY KEY (message_id, rule)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 12,
    name: 'user accounts and sessions of the LAN status screen',
    sql: `
-- The status screen on the hospital LAN (docs/service.md §5, main/store/userAccounts.ts).
-- Passwords only as scrypt hashes; sessions by the SHA-256 of their token, so a copy of the
-- database opens no session.
CREATE TABLE lan_users (
  username            TEXT    PRIMARY KEY COLLATE NOCASE,
  role                TEXT    NOT NULL CHECK (role IN ('officer', 'admin')),
  password_hash       TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
) STRICT;
CREATE TABLE lan_sessions (
  token_hash   TEXT    PRIMARY KEY,
  username     TEXT    NOT NULL COLLATE NOCASE REFERENCES lan_users (username) ON DELETE CASCADE,
  role         TEXT    NOT NULL,
  client       TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX lan_sessions_by_user ON lan_sessions (username);
`,
  },
  {
    version: 13,
    name: 'search indexes hold only the records that have the value',
    sql: `
-- An HL7v2 message (and a claim record until it converts) has no MA_BN or CCCD yet: indexing
-- its NULLs cost two index pages in every intake commit, each one written and synced before an
-- ACK. Searches ask for a value (ma_bn = ?, cccd = ?), which the partial indexes still serve.
DROP INDEX record_search_by_ma_bn;
DROP INDEX record_search_by_cccd;
CREATE INDEX record_search_by_ma_bn ON record_search (ma_bn) WHERE ma_bn IS NOT NULL;
CREATE INDEX record_search_by_cccd ON record_search (cccd) WHERE cccd IS NOT NULL;
`,
  },
];

-- One schema for SQLite and PostgreSQL: portable types only, times are epoch milliseconds,
-- booleans are SMALLINT 0/1, structured specs are JSON text, ids are prefixed ULIDs.

CREATE TABLE sandboxes (
  id               VARCHAR(40)  PRIMARY KEY,
  state            VARCHAR(16)  NOT NULL,
  state_reason     TEXT,
  image            VARCHAR(64)  NOT NULL,
  image_digest     VARCHAR(80)  NOT NULL,
  generation       BIGINT       NOT NULL,
  slot             INTEGER      NOT NULL,
  address          VARCHAR(45)  NOT NULL,
  spec             TEXT         NOT NULL,
  created_at       BIGINT       NOT NULL,
  started_at       BIGINT,
  stopped_at       BIGINT,
  last_activity_at BIGINT       NOT NULL,
  updated_at       BIGINT       NOT NULL
);
CREATE UNIQUE INDEX sandboxes_slot ON sandboxes (slot);
CREATE UNIQUE INDEX sandboxes_address ON sandboxes (address);
CREATE INDEX sandboxes_state ON sandboxes (state);

CREATE TABLE sandbox_labels (
  sandbox_id VARCHAR(40)  NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  name       VARCHAR(128) NOT NULL,
  value      VARCHAR(256) NOT NULL,
  PRIMARY KEY (sandbox_id, name)
);
CREATE INDEX sandbox_labels_name_value ON sandbox_labels (name, value);

CREATE TABLE idempotency_keys (
  scope        VARCHAR(32)  NOT NULL,
  idem_key     VARCHAR(255) NOT NULL,
  request_hash VARCHAR(64)  NOT NULL,
  resource_id  VARCHAR(40)  NOT NULL,
  created_at   BIGINT       NOT NULL,
  PRIMARY KEY (scope, idem_key)
);

CREATE TABLE egress_events (
  id           VARCHAR(40)  PRIMARY KEY,
  sandbox_id   VARCHAR(40),
  client       VARCHAR(64)  NOT NULL,
  method       VARCHAR(16)  NOT NULL,
  host         VARCHAR(255) NOT NULL,
  port         INTEGER      NOT NULL,
  allowed      SMALLINT     NOT NULL,
  reason       TEXT,
  via_upstream SMALLINT     NOT NULL,
  bytes_out    BIGINT       NOT NULL,
  bytes_in     BIGINT       NOT NULL,
  started_at   BIGINT       NOT NULL,
  duration_ms  BIGINT       NOT NULL
);
CREATE INDEX egress_events_sandbox ON egress_events (sandbox_id, started_at);

CREATE TABLE events (
  id         VARCHAR(40)  PRIMARY KEY,
  at         BIGINT       NOT NULL,
  kind       VARCHAR(64)  NOT NULL,
  subject    VARCHAR(40),
  detail     TEXT
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_subject ON events (subject, at);

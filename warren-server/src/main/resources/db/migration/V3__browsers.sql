-- Browser sessions (Chromium in a sandbox of their own, reached over CDP through the controller)
-- and named profiles (saved user-data directories, one writer at a time).

CREATE TABLE browsers (
  id                 VARCHAR(40)  PRIMARY KEY,
  session_key        VARCHAR(255),
  sandbox_id         VARCHAR(40),
  state              VARCHAR(16)  NOT NULL,
  state_reason       TEXT,
  spec               TEXT         NOT NULL,
  profile            VARCHAR(128),
  profile_writer     SMALLINT     NOT NULL,
  generation         BIGINT       NOT NULL,
  created_at         BIGINT       NOT NULL,
  started_at         BIGINT,
  closed_at          BIGINT,
  last_activity_at   BIGINT       NOT NULL
);
CREATE INDEX browsers_state ON browsers (state);
-- a key names one live session at a time
CREATE UNIQUE INDEX browsers_live_key ON browsers (session_key) WHERE state IN ('starting', 'ready', 'crashed');

CREATE TABLE profiles (
  name        VARCHAR(128) PRIMARY KEY,
  size_bytes  BIGINT       NOT NULL,
  created_at  BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL,
  writer      VARCHAR(40)
);

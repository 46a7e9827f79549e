-- API tokens beyond the one in $WARREN_DATA/token (which is the "admin" actor): each has an id and
-- a name so the audit trail can tell callers apart. Only a SHA-256 of the token is kept.
CREATE TABLE api_tokens (
  id          VARCHAR(40)  PRIMARY KEY,
  name        VARCHAR(128) NOT NULL,
  token_hash  VARCHAR(64)  NOT NULL,
  created_at  BIGINT       NOT NULL,
  created_by  VARCHAR(40)  NOT NULL,
  revoked_at  BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

-- Who did what: one row per mutating API call (and per terminal or CDP connection).
CREATE TABLE audit (
  id          VARCHAR(40)  PRIMARY KEY,
  at          BIGINT       NOT NULL,
  actor       VARCHAR(40)  NOT NULL,
  method      VARCHAR(8)   NOT NULL,
  route       VARCHAR(200) NOT NULL,
  path        TEXT         NOT NULL,
  subject     VARCHAR(40),
  status      INTEGER      NOT NULL,
  duration_ms BIGINT       NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor, at);
CREATE INDEX audit_subject ON audit (subject, at);

-- Idempotency keys belong to the token that sent them (its id, "admin" for the file token,
-- "dashboard" for a dashboard login): the same key from two tokens is two requests. Keys stored
-- before were all taken as the admin token's.
CREATE TABLE idempotency_keys_by_actor (
  scope        VARCHAR(32)  NOT NULL,
  actor        VARCHAR(40)  NOT NULL,
  idem_key     VARCHAR(255) NOT NULL,
  request_hash VARCHAR(64)  NOT NULL,
  resource_id  VARCHAR(40)  NOT NULL,
  created_at   BIGINT       NOT NULL,
  PRIMARY KEY (scope, actor, idem_key)
);
INSERT INTO idempotency_keys_by_actor (scope, actor, idem_key, request_hash, resource_id, created_at)
  SELECT scope, 'admin', idem_key, request_hash, resource_id, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_by_actor RENAME TO idempotency_keys;

-- A viewer id belongs to the token its viewer connected with (a SHA-256 of that token): a viewer
-- presenting another token cannot take that id over. Rows from before have none (the next
-- connection with that id claims it).
ALTER TABLE viewer_sessions ADD COLUMN owner VARCHAR(64);

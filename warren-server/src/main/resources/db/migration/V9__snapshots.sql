-- Snapshots of sandboxes' files: each a read-only layer in <data>/layers/<layer>, named by the
-- SHA-256 of its content (snapshots with the same content share it). A row says 'creating' from
-- before its layer is copied until the layer is in place; a controller killed meanwhile leaves a
-- row that the next start removes with the copy. V9: V8 is kept for the volumes branch.
CREATE TABLE snapshots (
  id           VARCHAR(40)  PRIMARY KEY,
  name         VARCHAR(64),
  state        VARCHAR(16)  NOT NULL,
  origin       VARCHAR(16)  NOT NULL,
  sandbox_id   VARCHAR(40)  NOT NULL,
  image        VARCHAR(64)  NOT NULL,
  image_digest VARCHAR(80)  NOT NULL,
  parent_id    VARCHAR(40),
  flattened    INTEGER      NOT NULL,
  depth        INTEGER      NOT NULL,
  layer        VARCHAR(64),
  size_bytes   BIGINT       NOT NULL,
  labels       TEXT         NOT NULL,
  created_at   BIGINT       NOT NULL
);
CREATE UNIQUE INDEX snapshots_name ON snapshots (name);
CREATE INDEX snapshots_parent ON snapshots (parent_id);
CREATE INDEX snapshots_layer ON snapshots (layer);

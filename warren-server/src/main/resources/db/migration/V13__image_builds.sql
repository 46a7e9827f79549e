-- Dockerfile builds. image_build_steps is the build cache: one row per step result, keyed by the
-- sha256 of (parent image digest, instruction text as run, digest of the context files it read);
-- digest, layers, config, config_blob and size_bytes describe the untagged image the step made, as
-- the images table does a tagged one. Its root filesystem and layers stay on disk while the row
-- does (the garbage collection counts these rows as it counts image rows).
CREATE TABLE image_build_steps (
  cache_key   VARCHAR(80)  NOT NULL PRIMARY KEY,
  digest      VARCHAR(80)  NOT NULL,
  layers      TEXT         NOT NULL,
  config      TEXT         NOT NULL,
  config_blob TEXT         NOT NULL,
  size_bytes  BIGINT       NOT NULL,
  created_at  BIGINT       NOT NULL
);
CREATE INDEX image_build_steps_digest ON image_build_steps (digest);
-- One row per build request: state is running, succeeded or failed; steps the JSON array of its
-- steps as last reported (number, line, instruction, status, timings, exit code, output tail);
-- error why it failed. A build still running when the controller starts was killed with it: it is
-- marked failed at start-up.
CREATE TABLE image_builds (
  id          VARCHAR(40)  NOT NULL PRIMARY KEY,
  name        VARCHAR(64)  NOT NULL,
  state       VARCHAR(16)  NOT NULL,
  steps       TEXT         NOT NULL,
  error       TEXT,
  digest      VARCHAR(80),
  created_at  BIGINT       NOT NULL,
  finished_at BIGINT
);

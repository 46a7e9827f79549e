-- User images (imported, pulled): a tag names an image digest (the sha256 of its OCI config);
-- layers is the JSON array of the image's layer digests (sha256 of each uncompressed tar, the
-- OCI diff_id), bottom first; config is the JSON of what the image's config says a process runs
-- with (env, workingDir, user, entrypoint, cmd); config_blob the image's OCI config as it came
-- (its sha256 is digest), for exports. Layers are files named by their digest, shared
-- between images; a layer or a flattened root filesystem that no image row and no sandbox names
-- is garbage. Built-in recipe images are not rows: they are on disk under WARREN_IMAGES.
CREATE TABLE images (
  name        VARCHAR(64)  NOT NULL,
  tag         VARCHAR(128) NOT NULL,
  digest      VARCHAR(80)  NOT NULL,
  layers      TEXT         NOT NULL,
  config      TEXT         NOT NULL,
  config_blob TEXT         NOT NULL,
  size_bytes  BIGINT       NOT NULL,
  source      VARCHAR(512) NOT NULL,
  created_at  BIGINT       NOT NULL,
  PRIMARY KEY (name, tag)
);
CREATE INDEX images_digest ON images (digest);

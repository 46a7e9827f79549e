-- Volumes: a filesystem of size_mb MiB that outlives sandboxes. volume_mounts says which sandbox
-- names which volume, where and how, from the sandbox's create to its delete; at most one of a
-- volume's mounts is read-write (the partial unique index), and a volume named by a sandbox
-- cannot be deleted (the foreign key).
CREATE TABLE volumes (
  name       VARCHAR(64)   PRIMARY KEY,
  size_mb    INTEGER       NOT NULL,
  created_at BIGINT        NOT NULL
);

CREATE TABLE volume_mounts (
  sandbox_id  VARCHAR(40)   NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  volume_name VARCHAR(64)   NOT NULL REFERENCES volumes (name),
  path        VARCHAR(1024) NOT NULL,
  read_only   SMALLINT      NOT NULL,
  PRIMARY KEY (sandbox_id, volume_name)
);
CREATE INDEX volume_mounts_volume ON volume_mounts (volume_name);
CREATE UNIQUE INDEX volume_mounts_writer ON volume_mounts (volume_name) WHERE read_only = 0;

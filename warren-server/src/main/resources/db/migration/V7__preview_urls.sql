-- Shareable URLs of one port of one sandbox. Only a SHA-256 of the URL's secret is kept; the URL
-- itself is shown once, when it is made. created_by is the token that minted it (the URL dies with it).
CREATE TABLE preview_urls (
  id          VARCHAR(40)  PRIMARY KEY,
  sandbox_id  VARCHAR(40)  NOT NULL,
  port        INTEGER      NOT NULL,
  access      VARCHAR(16)  NOT NULL,
  secret_hash VARCHAR(64)  NOT NULL,
  created_at  BIGINT       NOT NULL,
  created_by  VARCHAR(40)  NOT NULL,
  expires_at  BIGINT       NOT NULL,
  revoked_at  BIGINT
);
CREATE UNIQUE INDEX preview_urls_hash ON preview_urls (secret_hash);
CREATE INDEX preview_urls_sandbox ON preview_urls (sandbox_id);

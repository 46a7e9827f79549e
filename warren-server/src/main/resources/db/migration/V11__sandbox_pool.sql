-- The warm pool (WARREN_SANDBOX_POOL): pooled = 1 marks a sandbox created and started ahead of demand,
-- nobody's yet: not listed, not counted, never idle. A claim hands it over by setting pooled = 0 and
-- the caller's spec and labels in one transaction, so a controller killed during a claim leaves it
-- either pooled or claimed.
ALTER TABLE sandboxes ADD COLUMN pooled SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX sandboxes_pooled ON sandboxes (pooled, image);

-- Snapshot layers kept as filesystem images (block-level snapshots) keep the host uids of the
-- sandbox they were captured of: layer_uid_base is the host uid that was that sandbox's root, which
-- a sandbox stacking the layer maps to its own range. 0 for layers whose owners are the ids a
-- sandbox sees (trees shifted at capture, flattened layers), which all layers made before V10 are.
ALTER TABLE snapshots ADD COLUMN layer_uid_base BIGINT NOT NULL DEFAULT 0;

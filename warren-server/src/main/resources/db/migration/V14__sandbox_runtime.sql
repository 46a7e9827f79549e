-- The runtime each sandbox runs on (crun, microvm), chosen per sandbox at create; every operation
-- on it goes to that runtime. NULL only for rows made before this column: the controller's first
-- start after the migration fills them with its WARREN_RUNTIME, the runtime they were made on.
ALTER TABLE sandboxes ADD COLUMN runtime VARCHAR(32);

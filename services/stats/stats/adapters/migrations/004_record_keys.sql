-- Record keys of the cell-key method (stats.domain.perturbation): a holder's, a visit's, and a
-- card's for its rewards, each a whole number below 2^31 from an HMAC under STATS_RECORD_KEY_SECRET.
-- Rows projected before this migration have no key yet: run `python -m stats.rebuild` once after it.
ALTER TABLE holders ADD COLUMN record_key integer NOT NULL DEFAULT 0;
ALTER TABLE holders ALTER COLUMN record_key DROP DEFAULT;
ALTER TABLE holders ADD COLUMN children_under_16 integer NOT NULL DEFAULT 0;
ALTER TABLE holders ALTER COLUMN children_under_16 DROP DEFAULT;
ALTER TABLE visits ADD COLUMN record_key integer NOT NULL DEFAULT 0;
ALTER TABLE visits ALTER COLUMN record_key DROP DEFAULT;
ALTER TABLE rewards ADD COLUMN record_key integer NOT NULL DEFAULT 0;
ALTER TABLE rewards ALTER COLUMN record_key DROP DEFAULT;
ALTER TYPE recorded_visit ADD ATTRIBUTE record_key integer;

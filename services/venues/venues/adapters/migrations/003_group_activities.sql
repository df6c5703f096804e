-- Group and course offers (stats and usage learn of them from the offer events): what kind of
-- activity an offer is, and its sessions as the offer's events give them.
ALTER TABLE catalogue_offers ADD COLUMN activity text;
ALTER TABLE catalogue_offers ADD COLUMN sessions jsonb NOT NULL DEFAULT '[]';

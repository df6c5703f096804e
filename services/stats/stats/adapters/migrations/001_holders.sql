-- Holders issued, by region and programme: an aggregate only, no card in it.
CREATE TABLE holders_issued (
    region text NOT NULL,
    programme_id text NOT NULL,
    issued integer NOT NULL DEFAULT 0,
    PRIMARY KEY (region, programme_id)
);

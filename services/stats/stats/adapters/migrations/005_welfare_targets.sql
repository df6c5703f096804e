-- Targets a coordinator sets for the welfare indicators (newly active holders in a year), per
-- region, programme ('' for all programmes) and year. Not part of the projection: a rebuild keeps them.
CREATE TABLE welfare_targets (
    region text NOT NULL,
    programme_id text NOT NULL,
    year integer NOT NULL,
    newly_active integer NOT NULL CHECK (newly_active > 0),
    set_at timestamptz NOT NULL,
    PRIMARY KEY (region, programme_id, year)
);

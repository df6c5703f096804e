-- A recorded visit as the projection sends it: a whole batch travels as one array of these, which
-- costs the database and the client far less per visit than a statement per visit. A type of its
-- own rather than the visits table's row type: a rebuild replaces that table, and its row type
-- with it, under the live projection's prepared statements.
CREATE TYPE recorded_visit AS (
    visit bytea,
    holder bytea,
    programme_id text,
    card_region text,
    offer_id uuid,
    venue_id uuid,
    venue_kind text,
    region text,
    category text,
    children integer,
    escorts integer,
    occurred_on date
);

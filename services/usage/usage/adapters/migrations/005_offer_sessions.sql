-- The sessions of group and course offers, from the offer events, with the tickets taken at each:
-- a visit to a session is counted against its places under the offer's quota lock.
CREATE TABLE offer_sessions (
    offer_id uuid NOT NULL REFERENCES offers,
    session_id uuid NOT NULL,
    starts_at timestamptz NOT NULL,
    places integer,
    as_of timestamptz NOT NULL,             -- the offer event that last set it: an older one changes nothing
    removed boolean NOT NULL DEFAULT false, -- dropped from the offer: kept for the tickets of its visits
    tickets_taken integer NOT NULL DEFAULT 0,
    PRIMARY KEY (offer_id, session_id)
);

ALTER TABLE visits ADD COLUMN session_id uuid;

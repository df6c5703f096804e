-- The write side's own tables, changed in the same transaction as the card-visits stream.

-- A card's standing: the card-visits stream's version and what its events add up to, so that a
-- visit is decided without reading the whole stream.
CREATE TABLE card_standing (
    card_id uuid PRIMARY KEY,
    stream_version integer NOT NULL,
    counted_visits integer NOT NULL CHECK (counted_visits >= 0),
    rewards_earned integer NOT NULL
);

-- Every recorded visit, with the answer given to the request that recorded it: a retry with the
-- same idempotency key (per venue) gets that answer again.
CREATE TABLE visits (
    visit_id uuid PRIMARY KEY,
    venue_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    request_fingerprint text NOT NULL,
    card_id uuid NOT NULL,
    card_number text NOT NULL,
    offer_id uuid NOT NULL,
    region text NOT NULL,
    category text NOT NULL,
    tickets integer NOT NULL,
    occurred_at timestamptz NOT NULL,
    occurred_on date NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_on date NOT NULL,
    cancelled_at timestamptz,
    answer jsonb NOT NULL,
    UNIQUE (venue_id, idempotency_key)
);

CREATE INDEX visits_by_card ON visits (card_id, occurred_on);
CREATE INDEX visits_by_venue_day ON visits (venue_id, occurred_on);

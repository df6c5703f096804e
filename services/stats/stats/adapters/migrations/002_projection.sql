-- The projection's working state. Nothing here names a card or a person: holders, cards and visits
-- are keyed by HMAC-SHA256 pseudonyms (key from configuration), days are Helsinki calendar days.
-- Every table is written so that the order events arrive in across topics and partitions does not
-- matter (upserts that commute), which is what makes a rebuild equal the incremental result.
-- The rebuild copies these tables with CREATE TABLE ... (LIKE ... INCLUDING ALL): keep them plain.
DROP TABLE holders_issued;

CREATE TABLE holders (
    holder bytea PRIMARY KEY,               -- pseudonym of the card number
    card bytea NOT NULL,                    -- pseudonym of the card id, to place rewards
    programme_id text NOT NULL,
    home_region text NOT NULL,
    distributor_kind text NOT NULL,
    age_band text NOT NULL,
    gender text NOT NULL,
    mother_tongue text NOT NULL,
    life_situation text NOT NULL,
    postal_code text NOT NULL,
    replacement boolean NOT NULL,
    issued_on date NOT NULL,
    valid_from date NOT NULL,
    valid_until date NOT NULL
);
CREATE INDEX holders_card ON holders (card);

CREATE TABLE renewals (
    holder bytea NOT NULL,
    renewed_on date NOT NULL,
    renewals integer NOT NULL,
    valid_until date NOT NULL,
    PRIMARY KEY (holder, renewed_on)
);

CREATE TABLE revocations (
    holder bytea PRIMARY KEY,
    revoked_on date NOT NULL
);

-- Registered facts and later names arrive in different events: either may come first.
CREATE TABLE venues (
    venue_id uuid PRIMARY KEY,
    name text NOT NULL,
    name_as_of timestamptz NOT NULL,
    municipality text,
    kind text,
    region text
);

-- Published facts and the latest terms arrive in different events: either may come first.
CREATE TABLE offers (
    offer_id uuid PRIMARY KEY,
    venue_id uuid,
    venue_kind text,
    region text,
    municipality text,
    category text,
    published_on date,
    quota integer,
    ends_on date,
    terms_as_of timestamptz NOT NULL
);

CREATE TABLE offer_withdrawals (
    offer_id uuid PRIMARY KEY,
    withdrawn_on date NOT NULL
);

CREATE TABLE visits (
    visit bytea PRIMARY KEY,                -- pseudonym of the visit id, to match a cancellation
    holder bytea NOT NULL,
    programme_id text NOT NULL,
    card_region text NOT NULL,
    offer_id uuid NOT NULL,
    venue_id uuid NOT NULL,
    venue_kind text NOT NULL,
    region text NOT NULL,
    category text NOT NULL,
    children integer NOT NULL,
    escorts integer NOT NULL,
    occurred_on date NOT NULL
);
CREATE INDEX visits_occurred_on ON visits (occurred_on);
CREATE INDEX visits_holder ON visits (holder, occurred_on);

CREATE TABLE cancelled_visits (
    visit bytea PRIMARY KEY
);

CREATE TABLE rewards (
    card bytea NOT NULL,
    programme_id text NOT NULL,
    earned_on date NOT NULL,
    rewards integer NOT NULL,
    PRIMARY KEY (card, programme_id, earned_on)
);

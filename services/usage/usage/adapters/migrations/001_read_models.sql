-- Usage's read models of cards and offers, built from their events only. History is kept where a
-- visit entered later must be judged as things stood then: validity periods, revocation time,
-- offer terms.
CREATE TABLE cards (
    card_id uuid PRIMARY KEY,
    card_number text NOT NULL UNIQUE,
    programme_id text NOT NULL,
    distributor_id text NOT NULL,
    home_region text NOT NULL,
    accepted_regions text[] NOT NULL,
    valid_from date NOT NULL,
    children_allowance integer NOT NULL,
    escort_free boolean NOT NULL,
    yearly_use_limit integer,
    reward_every_visits integer,
    reward_description text,
    issued_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revocation_reason text
);

-- Each validity period from the moment it took effect: issue ('-infinity'), then each renewal.
CREATE TABLE card_validity (
    card_id uuid NOT NULL REFERENCES cards,
    effective_at timestamptz NOT NULL,
    valid_until date NOT NULL,
    PRIMARY KEY (card_id, effective_at)
);

-- The offer row is also the quota's lock: a visit takes it FOR UPDATE and adds its tickets to
-- tickets_taken in the same transaction, so concurrent visits can never oversell.
CREATE TABLE offers (
    offer_id uuid PRIMARY KEY,
    venue_id uuid NOT NULL,
    venue_kind text NOT NULL,
    region text NOT NULL,
    category text NOT NULL,
    published_at timestamptz NOT NULL,
    withdrawn_at timestamptz,
    tickets_taken integer NOT NULL DEFAULT 0 CHECK (tickets_taken >= 0)
);

CREATE INDEX offers_by_venue ON offers (venue_id);

-- Each version of an offer's terms from the moment it took effect (publication, then updates).
CREATE TABLE offer_terms (
    offer_id uuid NOT NULL REFERENCES offers,
    effective_at timestamptz NOT NULL,
    starts_at timestamptz,
    ends_at timestamptz,
    quota integer,
    max_tickets_per_visit integer NOT NULL,
    accepted_programmes text[] NOT NULL,
    accepted_regions text[] NOT NULL,
    PRIMARY KEY (offer_id, effective_at)
);

-- The time of the newest event applied from each topic: how current the read models are.
CREATE TABLE read_model_progress (
    topic text PRIMARY KEY,
    newest_event_at timestamptz NOT NULL
);

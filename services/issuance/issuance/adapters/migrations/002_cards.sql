-- The counter behind card numbers: each value is permuted into one number (domain/card_number.py),
-- so no two cards can get the same number. Never reset it.
CREATE SEQUENCE card_number_counter AS bigint MINVALUE 0 MAXVALUE 99999999999 START 0 NO CYCLE;

-- The cards as lookup and the worker's follow-up list need them. Written in the transaction that
-- appends the card's events, so a card can be looked up the moment it is issued.
CREATE TABLE cards (
    card_id uuid PRIMARY KEY,
    card_number char(12) NOT NULL UNIQUE,
    programme_id text NOT NULL,
    distributor_id text NOT NULL,
    home_region text NOT NULL,
    issued_at timestamptz NOT NULL,
    issued_on date NOT NULL,
    valid_until date NOT NULL,
    issued jsonb NOT NULL,   -- the CardIssued event: terms and background (statistics only)
    revoked jsonb,           -- the CardRevoked event, if any
    version integer NOT NULL
);

CREATE INDEX cards_by_distributor ON cards (distributor_id, issued_at DESC, card_id DESC);
CREATE INDEX cards_by_region ON cards (home_region, issued_at DESC, card_id DESC);

-- Programmes as distributors choose among them; the programme's events stay the truth.
CREATE TABLE programmes (
    programme_id text PRIMARY KEY,
    home_region text,
    participating_regions text[] NOT NULL,
    programme jsonb NOT NULL  -- the programme's current terms, as a ProgrammeDefined
);

-- Holders' phone numbers live in this database only, in `consents`, and nowhere else: messages
-- refer to the card and find the number when sent, so erasing a consent erases the number.
CREATE TABLE cards (
    card_id uuid PRIMARY KEY,
    card_number text NOT NULL UNIQUE,
    programme_id text NOT NULL,
    home_region text NOT NULL,
    valid_until date NOT NULL,
    revoked boolean NOT NULL DEFAULT false
);

CREATE TABLE consents (
    card_id uuid PRIMARY KEY REFERENCES cards,
    phone_number text NOT NULL,
    categories text[] NOT NULL,               -- offer categories sent automatically; empty: coordinators' news only
    language text NOT NULL,
    consented_at timestamptz NOT NULL,
    consented_by text NOT NULL                -- the staff subject who recorded it at the desk
);
CREATE INDEX consents_by_phone_number ON consents (phone_number);

-- What happened to consents, without numbers: given, changed, withdrawn, erased and why.
CREATE TABLE consent_log (
    card_id uuid NOT NULL,
    change text NOT NULL,
    categories text[],
    by_subject text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_log_by_card ON consent_log (card_id, at);

-- A coordinator's message to the holders of a programme or region: the audit record, without numbers.
CREATE TABLE broadcasts (
    broadcast_id uuid PRIMARY KEY,
    region text,
    programme_id text,
    text text NOT NULL,
    recipients integer NOT NULL,
    sent_by text NOT NULL,
    owner_region text,                        -- the coordinator's region; null: national
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox of text messages: written with what caused them, sent at least once by the dispatcher.
CREATE TABLE messages (
    message_id uuid PRIMARY KEY,
    card_id uuid NOT NULL,
    origin text NOT NULL CHECK (origin IN ('offer', 'broadcast')),
    origin_id uuid NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (card_id, origin, origin_id)
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_by_origin ON messages (origin, origin_id);

-- The event store: each service's own log of the facts it decided.
-- (stream_id, version) is the key, so a second writer of the same version fails: optimistic
-- concurrency. transaction_id lets the outbox relay read in commit-safe order (see outbox.py).
CREATE TABLE events (
    position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    partition_key text NOT NULL,
    data jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, version)
);

CREATE INDEX events_publication_order ON events (transaction_id, position);

-- How far the relay has published, as a (transaction id, position) pair.
CREATE TABLE outbox_checkpoint (
    relay text PRIMARY KEY,
    transaction_id xid8 NOT NULL,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Wakes the relay when events commit; NOTIFY is delivered at commit and once per transaction.
CREATE FUNCTION notify_events_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('events_appended', '');
    RETURN NULL;
END $$;

CREATE TRIGGER events_appended AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events_appended();

-- The idempotent consumers' record of what they applied, written with the read model's change.
CREATE TABLE processed_events (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

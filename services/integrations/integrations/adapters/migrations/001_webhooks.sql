-- Webhook subscriptions per integrator, and one delivery per (subscription, event): written in the
-- same transaction that records the event as consumed, so a crash loses no delivery.
CREATE TABLE subscriptions (
    subscription_id uuid PRIMARY KEY,
    integrator text NOT NULL,
    url text NOT NULL,
    event_types text[] NOT NULL,
    secret text NOT NULL,
    owner_region text,                       -- the coordinator's region; null: national
    enabled boolean NOT NULL DEFAULT true,
    consecutive_failures integer NOT NULL DEFAULT 0,
    disabled_reason text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
    delivery_id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    body bytea NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, created_at DESC);

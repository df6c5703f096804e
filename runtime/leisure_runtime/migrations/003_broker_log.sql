-- The end offset the broker's log had, when last looked at, on each partition this service
-- publishes to. An end offset found lower than this means the broker lost records (broker_log.py).
CREATE TABLE broker_end_offsets (
    topic text NOT NULL,
    partition integer NOT NULL,
    end_offset bigint NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- Partitions whose log went backwards, kept until the service's events are published again.
CREATE TABLE broker_log_losses (
    topic text NOT NULL,
    partition integer NOT NULL,
    end_offset_seen bigint NOT NULL,
    end_offset_found bigint NOT NULL,
    noticed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- Events the relay set aside instead of publishing: the broker refused them for good (too large,
-- an invalid topic), or an earlier event of the same partition key was, and publishing them would
-- break that key's order. The checkpoint moves past them; the relay retries them now and then.
CREATE TABLE outbox_parked (
    relay text NOT NULL,
    position bigint NOT NULL,
    partition_key text NOT NULL,
    reason text NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (relay, position)
);

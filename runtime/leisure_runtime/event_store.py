"""The PostgreSQL event store: load a stream, append to it with optimistic concurrency.

Appending happens inside the caller's transaction, so the events, any other change of the same
command, and their visibility to the outbox relay commit together or not at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from leisure_contracts.base import Event
from leisure_contracts.registry import EVENTS_BY_TYPE


class ConcurrencyConflict(Exception):
    """Someone else appended to the stream since it was loaded; reload and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(
            f"stream {stream_id} changed since it was read at version {expected_version}; "
            "reload it and try again"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True)
class StoredEvent:
    stream_id: str
    version: int
    position: int
    event_id: UUID
    event: Event
    recorded_at: datetime


@dataclass(frozen=True)
class NewEvent:
    event: Event
    event_id: UUID


# The head check keeps a stream's transaction ids rising with its versions: a transaction that took
# its id before the stream's last writer did must not append after it, or the relay, which
# publishes in transaction-id order, would put the later version first. It retries instead.
_APPEND = """
WITH head AS (
    SELECT version, transaction_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1
)
INSERT INTO events (stream_id, version, event_id, event_type, partition_key, data)
SELECT $1, $2 + e.ordinality, e.event_id, e.event_type, e.partition_key, e.data::jsonb
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS e(event_id, event_type, partition_key, data, ordinality)
WHERE coalesce((SELECT version FROM head), 0) = $2
  AND coalesce((SELECT transaction_id FROM head) <= pg_current_xact_id(), true)
"""


def decode_stored(event_type: str, data: str) -> Event:
    return EVENTS_BY_TYPE[event_type].model_validate_json(data)


class EventStore:
    async def load(self, conn: asyncpg.Connection, stream_id: str) -> list[StoredEvent]:
        rows = await conn.fetch(
            "SELECT version, position, event_id, event_type, data::text AS data, recorded_at "
            "FROM events WHERE stream_id = $1 ORDER BY version",
            stream_id,
        )
        return [
            StoredEvent(stream_id, r["version"], r["position"], r["event_id"],
                        decode_stored(r["event_type"], r["data"]), r["recorded_at"])
            for r in rows
        ]

    async def append(
        self, conn: asyncpg.Connection, stream_id: str, expected_version: int, events: Sequence[Event]
    ) -> list[NewEvent]:
        """Append `events` after `expected_version` (0 for a new stream). Raises ConcurrencyConflict
        when the stream has moved on; the caller's transaction is then unusable and rolls back."""
        new = [NewEvent(event, uuid4()) for event in events]
        try:
            status = await conn.execute(
                _APPEND,
                stream_id,
                expected_version,
                [n.event_id for n in new],
                [n.event.event_type() for n in new],
                [n.event.key() for n in new],
                [n.event.model_dump_json() for n in new],
            )
        except asyncpg.UniqueViolationError as error:
            raise ConcurrencyConflict(stream_id, expected_version) from error
        if status != f"INSERT 0 {len(new)}":
            raise ConcurrencyConflict(stream_id, expected_version)
        return new

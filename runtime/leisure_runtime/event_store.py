"""The PostgreSQL event store: load a stream, append to it with optimistic concurrency.

Appending happens inside the caller's transaction, so the events, any other change of the same
command, and their visibility to the outbox relay commit together or not at all.
"""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from leisure_contracts.base import Event
from leisure_contracts.registry import EVENTS_BY_TYPE
from leisure_runtime.errors import TooLarge


class ConcurrencyConflict(Exception):
    """Someone else appended to the stream since it was loaded; reload and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(
            f"stream {stream_id} changed since it was read at version {expected_version}; "
            "reload it and try again"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version


class EventTooLarge(TooLarge):
    """An event bigger than a message the broker takes would stop its stream at the relay: refused
    before it is stored, so the command that made it fails as a whole."""

    def __init__(self, event: Event, size: int, limit: int) -> None:
        super().__init__(
            "event_too_large",
            f"this would record a {type(event).__name__} of {size:,} bytes, more than the {limit:,} an event "
            "may have: shorten its longest texts")


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


@dataclass(frozen=True)
class StreamAppend:
    """Events to append to one stream after the version it was read at (0 for a new stream)."""

    stream_id: str
    expected_version: int
    events: Sequence[Event]


# The head check keeps a stream's transaction ids rising with its versions: a transaction that took
# its id before the stream's last writer did must not append after it, or the relay, which
# publishes in transaction-id order, would put the later version first. It retries instead.
# Every stream's head is checked before any event is inserted: one stream that moved on (the
# first in the caller's order is named) and nothing is appended. Events are inserted in the
# caller's order, so positions rise with versions in each stream.
_APPEND = """
WITH head AS (
    SELECT s.stream_id, s.expected_version, s.n, h.version, h.transaction_id
    FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY AS s(stream_id, expected_version, n)
    LEFT JOIN LATERAL (SELECT version, transaction_id FROM events WHERE stream_id = s.stream_id
                       ORDER BY version DESC LIMIT 1) h ON true
), moved AS (
    SELECT stream_id FROM head
    WHERE coalesce(version, 0) <> expected_version OR coalesce(transaction_id > pg_current_xact_id(), false)
    ORDER BY n LIMIT 1
), appended AS (
    INSERT INTO events (stream_id, version, event_id, event_type, partition_key, data)
    SELECT e.stream_id, e.version, e.event_id, e.event_type, e.partition_key, e.data::jsonb
    FROM unnest($3::text[], $4::integer[], $5::uuid[], $6::text[], $7::text[], $8::text[])
        WITH ORDINALITY AS e(stream_id, version, event_id, event_type, partition_key, data, n)
    WHERE NOT EXISTS (SELECT FROM moved)
    ORDER BY e.n
)
SELECT stream_id FROM moved
"""
# What PostgreSQL says when a concurrent writer committed the same version first.
_VERSION_TAKEN = re.compile(r"Key \(stream_id, version\)=\((.*), (\d+)\) already exists\.")


def decode_stored(event_type: str, data: str) -> Event:
    return EVENTS_BY_TYPE[event_type].model_validate_json(data)


DEFAULT_MAX_EVENT_BYTES = 256 * 1024


class EventStore:
    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes

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
        return await self.append_many(conn, [StreamAppend(stream_id, expected_version, events)])

    async def append_many(self, conn: asyncpg.Connection, appends: Sequence[StreamAppend]) -> list[NewEvent]:
        """Appends to several streams in one statement, all or nothing; the new events in the order
        given. Raises ConcurrencyConflict naming a stream that has moved on; the caller's transaction
        is then unusable and rolls back."""
        expected = {append.stream_id: append.expected_version for append in appends}
        if len(expected) < len(appends):
            raise ValueError("each stream at most once in one append: its events together")
        streams, versions, new = [], [], []
        for append in appends:
            for n, event in enumerate(append.events, start=1):
                streams.append(append.stream_id)
                versions.append(append.expected_version + n)
                new.append(NewEvent(event, uuid4()))
        data = [self._serialised(n.event) for n in new]
        try:
            moved = await conn.fetchval(
                _APPEND, list(expected), list(expected.values()), streams, versions,
                [n.event_id for n in new], [n.event.event_type() for n in new],
                [n.event.key() for n in new], data,
            )
        except asyncpg.UniqueViolationError as error:
            # A writer that had not committed when the heads were read appended the same version.
            stream_id = _stream_taken(error, expected)
            if stream_id is None:
                raise
            raise ConcurrencyConflict(stream_id, expected[stream_id]) from error
        if moved is not None:
            raise ConcurrencyConflict(moved, expected[moved])
        return new

    def _serialised(self, event: Event) -> str:
        data = event.model_dump_json()
        # A character is at most 4 bytes: only a JSON text that long may be over, and needs encoding to tell.
        if len(data) * 4 > self.max_event_bytes and (size := len(data.encode())) > self.max_event_bytes:
            raise EventTooLarge(event, size, self.max_event_bytes)
        return data


def _stream_taken(error: asyncpg.UniqueViolationError, streams: Collection[str]) -> str | None:
    """The stream whose next version a concurrent writer took: the only one appended to, or the one
    PostgreSQL names."""
    if len(streams) == 1:
        return next(iter(streams))
    taken = _VERSION_TAKEN.fullmatch(error.detail or "")
    return taken[1] if taken and taken[1] in streams else None

"""Republishing internal card and visit events as public ones: appended to this service's event
store in the transaction that records the internal event as consumed, so each is published once
by the outbox relay, whatever is redelivered."""

import asyncpg

from integrations.domain.public_events import public_event_of, public_stream_of
from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes
from leisure_runtime.event_store import EventStore


async def republish(store: EventStore, conn: asyncpg.Connection, attributes: CloudEventAttributes,
                    event: Event) -> None:
    public = public_event_of(event)
    if public is None:
        return
    stream = public_stream_of(public, str(attributes.id))
    version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream)
    await store.append(conn, stream, version, [public])

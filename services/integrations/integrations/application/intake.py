"""Queueing events of the public stream for every webhook subscribed to their types, a batch in one
statement. The body is the event in CloudEvents' structured JSON form, made once and kept, so every
try sends the same bytes."""

import json
from collections.abc import Sequence

import asyncpg

from integrations.adapters import store
from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes


def webhook_body(attributes: CloudEventAttributes, event: Event) -> bytes:
    envelope = attributes.model_dump(mode="json", exclude_none=True) | {"data": event.model_dump(mode="json")}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


async def queue_for_subscribers(conn: asyncpg.Connection,
                                events: Sequence[tuple[CloudEventAttributes, Event]]) -> None:
    await store.queue_deliveries(conn, [attributes.id for attributes, _ in events],
                                 [attributes.type for attributes, _ in events],
                                 [attributes.time for attributes, _ in events],
                                 [webhook_body(attributes, event) for attributes, event in events])

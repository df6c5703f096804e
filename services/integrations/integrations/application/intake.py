"""Queueing an event of the public stream for every webhook subscribed to its type. The body is the
event in CloudEvents' structured JSON form, made once and kept, so every try sends the same bytes."""

import json

import asyncpg

from integrations.adapters import store
from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes


def webhook_body(attributes: CloudEventAttributes, event: Event) -> bytes:
    envelope = attributes.model_dump(mode="json", exclude_none=True) | {"data": event.model_dump(mode="json")}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


async def queue_for_subscribers(conn: asyncpg.Connection, attributes: CloudEventAttributes, event: Event) -> None:
    await store.queue_deliveries(conn, attributes.id, attributes.type, attributes.time,
                                 webhook_body(attributes, event))

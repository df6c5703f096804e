"""Tickets taken per offer, from the usage service's visit events: what "places left" is made of."""

from uuid import UUID

import asyncpg

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import VisitCancelled, VisitRecorded
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import IdempotentConsumer


async def _add_tickets(conn: asyncpg.Connection, offer_id: UUID, tickets: int) -> None:
    await conn.execute(
        """INSERT INTO offer_tickets_used (offer_id, tickets_used) VALUES ($1, $2)
           ON CONFLICT (offer_id) DO UPDATE
           SET tickets_used = offer_tickets_used.tickets_used + excluded.tickets_used""",
        offer_id, tickets,
    )


async def visit_recorded(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: VisitRecorded) -> None:
    await _add_tickets(conn, event.offer_id, event.tickets)


async def visit_cancelled(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: VisitCancelled) -> None:
    await _add_tickets(conn, event.offer_id, -event.tickets)


places = IdempotentConsumer("venues-places", [Topic.VISITS.value],
                            {VisitRecorded: visit_recorded, VisitCancelled: visit_cancelled})

"""Cancelling a visit: the offer's quota row is locked first, in the order batches of visits lock
it, then the visit row, so two cancellations of one visit cannot both pass; the card's stream is
appended with optimistic concurrency, retried on a conflict."""

from datetime import datetime, timezone
from uuid import UUID

from leisure_contracts.events import VisitCancelled
from leisure_runtime.auth import Principal
from leisure_runtime.errors import NotFound
from leisure_runtime.event_store import ConcurrencyConflict
from usage.adapters import visit_store
from usage.application.context import Usage, card_visits_stream
from usage.domain.cancellation import decide_cancellation

MAX_ATTEMPTS = 5


async def cancel_visit(usage: Usage, visit_id: UUID, principal: Principal) -> VisitCancelled:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with usage.pool.acquire() as conn, conn.transaction():
                await visit_store.lock_offer_of_visit(conn, visit_id)
                found = await visit_store.lock_visit(conn, visit_id)
                if found is None:
                    raise NotFound("visit_unknown", f"no visit {visit_id} was recorded here")
                visit, region, standing = found
                principal.require_venue(visit.venue_id, region, action="cancel visits")
                cancelled, after = decide_cancellation(visit, standing, now=datetime.now(timezone.utc),
                                                       zone=usage.zone)
                await usage.store.append(conn, card_visits_stream(visit.card_id), standing.stream_version,
                                         [cancelled])
                await visit_store.save_cancellation(conn, cancelled, after)
            break
        except ConcurrencyConflict:
            if attempt == MAX_ATTEMPTS:
                raise
    usage.metrics.visits_cancelled.inc()
    return cancelled

"""Cancelling a visit: at the venue that recorded it, on the day it was recorded. The places go
back to the offer's quota and the visit no longer counts towards the card's limit or reward."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from leisure_contracts.events import VisitCancelled
from leisure_runtime.errors import AlreadyExists, Rejected
from usage.domain.calendar import local_day
from usage.domain.views import CardStanding


@dataclass(frozen=True)
class RecordedVisit:
    visit_id: UUID
    card_id: UUID
    offer_id: UUID
    venue_id: UUID
    tickets: int
    occurred_at: datetime
    recorded_on: date
    cancelled_at: datetime | None


def decide_cancellation(visit: RecordedVisit, standing: CardStanding, *, now: datetime,
                        zone: ZoneInfo) -> tuple[VisitCancelled, CardStanding]:
    if visit.cancelled_at is not None:
        raise AlreadyExists("visit_already_cancelled",
                            f"this visit was already cancelled at {visit.cancelled_at.isoformat()}; "
                            "its places are back on the offer")
    if local_day(now, zone) != visit.recorded_on:
        raise Rejected("cancellation_too_late",
                       f"a visit can be cancelled only on the day it was recorded ({visit.recorded_on.isoformat()}); "
                       "ask the region's coordinator to correct an older one")
    cancelled = VisitCancelled(visit_id=visit.visit_id, card_id=visit.card_id, offer_id=visit.offer_id,
                               venue_id=visit.venue_id, tickets=visit.tickets, occurred_at=visit.occurred_at,
                               cancelled_at=now)
    return cancelled, replace(standing, stream_version=standing.stream_version + 1,
                              counted_visits=standing.counted_visits - 1)

"""What of an internal event integrators may see: the public event it becomes, if any.

No card number and no card id leave the platform, so an integrator cannot link one holder's visits
to each other or to the holder's background; of the background only the age band goes out.
"""

from leisure_contracts.base import Event
from leisure_contracts.events import (
    CardIssued,
    PublicCardIssued,
    PublicVisitCancelled,
    PublicVisitRecorded,
    VisitCancelled,
    VisitRecorded,
)


def public_event_of(event: Event) -> Event | None:
    match event:
        case CardIssued():
            return PublicCardIssued(
                programme_id=event.programme_id, home_region=event.home_region,
                distributor_kind=event.distributor_kind, age_band=event.background.age_band,
                valid_from=event.valid_from, valid_until=event.valid_until,
            )
        case VisitRecorded():
            return PublicVisitRecorded(
                visit_id=event.visit_id, programme_id=event.programme_id, card_region=event.card_region,
                offer_id=event.offer_id, venue_id=event.venue_id, venue_kind=event.venue_kind,
                region=event.region, category=event.category, tickets=event.tickets, children=event.children,
                escort=event.escort, occurred_at=event.occurred_at,
            )
        case VisitCancelled():
            return PublicVisitCancelled(
                visit_id=event.visit_id, offer_id=event.offer_id, venue_id=event.venue_id,
                tickets=event.tickets, cancelled_at=event.cancelled_at,
            )
    return None


REPUBLISHED = (CardIssued, VisitRecorded, VisitCancelled)
"""The internal event types that have a public counterpart."""


def public_stream_of(event: Event, source_event_id: str) -> str:
    """The event-store stream (and `ce_subject`) of a public event: the visit for visits, so a
    cancellation follows its visit; for cards, the internal event's id, which names no card."""
    visit_id = getattr(event, "visit_id", None)
    return str(visit_id) if visit_id is not None else source_event_id

"""Visit events, emitted by usage. Keyed by card, so one card's visits and rewards stay in order."""

from uuid import UUID

from pydantic import AwareDatetime, Field

from leisure_contracts.base import Event
from leisure_contracts.events.common import CardNumber, OfferCategory, RegionCode, VenueKind
from leisure_contracts.topics import Topic


class VisitRecorded(Event):
    event_name = "visit.recorded"
    event_topic = Topic.VISITS
    key_field = "card_id"

    visit_id: UUID
    card_id: UUID
    card_number: CardNumber
    programme_id: str
    card_region: RegionCode = Field(description="The card's home region, for cross-region figures")
    offer_id: UUID
    venue_id: UUID
    venue_kind: VenueKind
    region: RegionCode = Field(description="The venue's region")
    category: OfferCategory
    tickets: int = Field(ge=1, description="All tickets of the visit: holder, children and escort")
    children: int = Field(default=0, ge=0, description="Tickets for children under 16")
    escort: bool = Field(default=False, description="Whether a free escort came along")
    occurred_at: AwareDatetime = Field(description="When the visit happened (may be entered later)")
    recorded_at: AwareDatetime
    session_id: UUID | None = Field(default=None, description="The session of a group or course attended "
                                                               "(the offer's sessions); none: not a session")


class VisitCancelled(Event):
    event_name = "visit.cancelled"
    event_topic = Topic.VISITS
    key_field = "card_id"

    visit_id: UUID
    card_id: UUID
    offer_id: UUID
    venue_id: UUID
    tickets: int = Field(ge=1)
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When the cancelled visit had happened, for figures by day or month"
    )
    cancelled_at: AwareDatetime


class RewardEarned(Event):
    event_name = "reward.earned"
    event_topic = Topic.VISITS
    key_field = "card_id"

    card_id: UUID
    programme_id: str
    visits_counted: int = Field(ge=1, description="The counted visit that earned the reward, e.g. 20, 40")
    visit_id: UUID | None = Field(default=None, description="The visit that earned it")
    description: str
    earned_at: AwareDatetime

"""The public stream: cards and visits as integrators may see them, republished by the integrations
service from the internal topics. No card number and no card id, so one holder's visits cannot be
linked to each other or to the card's background; of the background only the age band is kept
(never postal code, mother tongue, gender or life situation at the level of one holder)."""

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, Field

from leisure_contracts.base import Event
from leisure_contracts.events.cards import AgeBand, DistributorKind
from leisure_contracts.events.common import OfferCategory, RegionCode, VenueKind
from leisure_contracts.topics import Topic


class PublicCardIssued(Event):
    """A card was handed out: which programme, where, by what kind of organisation, to what age band."""

    event_name = "public.card.issued"
    event_topic = Topic.PUBLIC_CARDS
    key_field = "programme_id"

    programme_id: str
    home_region: RegionCode
    distributor_kind: DistributorKind
    age_band: AgeBand
    valid_from: date
    valid_until: date = Field(description="Last day the card is valid")


class PublicVisitRecorded(Event):
    """A card was used at a venue. Keyed by offer, so one offer's visits and cancellations stay in order."""

    event_name = "public.visit.recorded"
    event_topic = Topic.PUBLIC_VISITS
    key_field = "offer_id"

    visit_id: UUID = Field(description="The visit's id; a cancellation names it")
    programme_id: str
    card_region: RegionCode = Field(description="The card's home region")
    offer_id: UUID
    venue_id: UUID
    venue_kind: VenueKind
    region: RegionCode = Field(description="The venue's region")
    category: OfferCategory
    tickets: int = Field(ge=1, description="All tickets of the visit: holder, children and escort")
    children: int = Field(default=0, ge=0, description="Tickets for children under 16")
    escort: bool = Field(default=False, description="Whether a free escort came along")
    occurred_at: AwareDatetime = Field(description="When the visit happened")


class PublicVisitCancelled(Event):
    """A recorded visit was cancelled; its tickets are free again."""

    event_name = "public.visit.cancelled"
    event_topic = Topic.PUBLIC_VISITS
    key_field = "offer_id"

    visit_id: UUID
    offer_id: UUID
    venue_id: UUID
    tickets: int = Field(ge=1)
    cancelled_at: AwareDatetime

"""Venue and offer events, emitted by the venues service."""

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from leisure_contracts.base import Event
from leisure_contracts.events.common import (
    ActivityFormat,
    LocalizedText,
    OfferCategory,
    OfferKind,
    OfferSession,
    PostalCode,
    RegionCode,
    VenueKind,
)
from leisure_contracts.topics import Topic


class VenueRegistered(Event):
    event_name = "venue.registered"
    event_topic = Topic.VENUES
    key_field = "venue_id"

    venue_id: UUID
    name: LocalizedText
    region: RegionCode
    municipality: str
    kind: VenueKind
    postal_code: PostalCode
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes of languages served")
    street_address: str | None = Field(default=None, description="The place's street address")
    accessibility: LocalizedText | None = Field(default=None, description="Accessibility notes")
    registered_at: AwareDatetime


class VenueUpdated(Event):
    """The venue's changeable details after an update, in full. Region, municipality and kind never
    change: a venue that moves or becomes something else is registered anew."""

    event_name = "venue.updated"
    event_topic = Topic.VENUES
    key_field = "venue_id"

    venue_id: UUID
    name: LocalizedText
    postal_code: PostalCode
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes of languages served")
    street_address: str | None = None
    accessibility: LocalizedText | None = None
    updated_at: AwareDatetime


class VenueClosed(Event):
    event_name = "venue.closed"
    event_topic = Topic.VENUES
    key_field = "venue_id"

    venue_id: UUID
    closed_at: AwareDatetime


class OfferPublished(Event):
    """An offer opened to card holders. Carries all that usage needs to validate a visit."""

    event_name = "offer.published"
    event_topic = Topic.OFFERS
    key_field = "offer_id"

    offer_id: UUID
    venue_id: UUID
    venue_kind: VenueKind
    region: RegionCode
    municipality: str
    category: OfferCategory
    kind: OfferKind
    title: LocalizedText
    description: LocalizedText | None = None
    starts_at: datetime | None = Field(default=None, description="Start of the event or period; none: open now")
    ends_at: datetime | None = Field(default=None, description="End of the event or period; none: open-ended")
    quota: int | None = Field(default=None, ge=0, description="Total tickets or places; none: unlimited")
    max_tickets_per_visit: int = Field(ge=1, description="Most tickets one card may take per visit")
    accepted_programmes: list[str] = Field(description="Programme ids whose cards are accepted")
    accepted_regions: list[RegionCode] = Field(description="Home regions of the cards accepted")
    activity: ActivityFormat | None = Field(
        default=None, description="group or course: the offer meets in sessions; none: a one-visit ticket or entry")
    sessions: list[OfferSession] = Field(default_factory=list, description="The meetings of a group or course")
    published_at: AwareDatetime


class OfferUpdated(Event):
    """The offer's changeable terms after an update, in full."""

    event_name = "offer.updated"
    event_topic = Topic.OFFERS
    key_field = "offer_id"

    offer_id: UUID
    title: LocalizedText
    description: LocalizedText | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    quota: int | None = Field(default=None, ge=0)
    max_tickets_per_visit: int = Field(ge=1)
    accepted_programmes: list[str]
    accepted_regions: list[RegionCode]
    activity: ActivityFormat | None = Field(
        default=None, description="group or course: the offer meets in sessions; none: a one-visit ticket or entry")
    sessions: list[OfferSession] = Field(default_factory=list, description="The meetings of a group or course")
    updated_at: AwareDatetime


class OfferWithdrawn(Event):
    """The offer is no longer open; also emitted for each open offer of a venue that closes."""

    event_name = "offer.withdrawn"
    event_topic = Topic.OFFERS
    key_field = "offer_id"

    offer_id: UUID
    withdrawn_at: AwareDatetime

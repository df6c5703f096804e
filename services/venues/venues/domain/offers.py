"""Offers: published by a venue, changed, withdrawn. Pure decisions; the tickets already taken
come from the caller, who counts them from the usage service's visit events."""

from datetime import datetime
from functools import singledispatch
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from leisure_contracts.events import OfferPublished, OfferUpdated, OfferWithdrawn
from leisure_contracts.events.common import LocalizedText, OfferCategory, OfferKind, RegionCode, VenueKind
from leisure_runtime.errors import Rejected
from leisure_runtime.request_types import MAX_LIST_ITEMS, Instant, LocalizedDescription, LocalizedName
from venues.domain.refusals import Conflict
from venues.domain.venues import Venue

ProgrammeId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["culture-card"])]


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Programmes = Annotated[list[ProgrammeId], Field(min_length=1, max_length=MAX_LIST_ITEMS), AfterValidator(_distinct)]
Regions = Annotated[list[RegionCode], Field(min_length=1, max_length=MAX_LIST_ITEMS), AfterValidator(_distinct)]
Quota = Annotated[int, Field(ge=0, le=1_000_000, description="Total tickets or places; none: unlimited")]
TicketsPerVisit = Annotated[int, Field(ge=1, le=20, description="Holder plus children under 16 (and escort)")]


class PublishOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: OfferCategory
    kind: OfferKind
    title: LocalizedName
    description: LocalizedDescription | None = None
    starts_at: Instant | None = Field(default=None, description="Event or period start; none: open now")
    ends_at: Instant | None = Field(default=None, description="Event or period end; none: open-ended")
    quota: Quota | None = None
    max_tickets_per_visit: TicketsPerVisit = 1
    accepted_programmes: Programmes
    accepted_regions: Regions | None = Field(default=None, description="Card home regions; default the venue's")


class OfferChanges(BaseModel):
    """What staff may change of an offer; fields left out stay as they are, null clears."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedName | None = None
    description: LocalizedDescription | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    quota: Quota | None = None
    max_tickets_per_visit: TicketsPerVisit | None = None
    accepted_programmes: Programmes | None = None
    accepted_regions: Regions | None = None

    @model_validator(mode="after")
    def _required_terms_stay(self) -> "OfferChanges":
        cleared = [name for name in ("title", "max_tickets_per_visit", "accepted_programmes", "accepted_regions")
                   if name in self.model_fields_set and getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be removed, only changed")
        return self


class Offer(BaseModel):
    """An offer as its events leave it."""

    model_config = ConfigDict(frozen=True)

    offer_id: UUID
    venue_id: UUID
    venue_kind: VenueKind
    region: str
    municipality: str
    category: OfferCategory
    kind: OfferKind
    title: LocalizedText
    description: LocalizedText | None
    starts_at: datetime | None
    ends_at: datetime | None
    quota: int | None
    max_tickets_per_visit: int
    accepted_programmes: list[str]
    accepted_regions: list[str]
    published_at: datetime
    updated_at: datetime | None = None
    withdrawn_at: datetime | None = None


TERMS = ("title", "description", "starts_at", "ends_at", "quota", "max_tickets_per_visit",
         "accepted_programmes", "accepted_regions")


def publish_offer(venue: Venue, command: PublishOffer, offer_id: UUID, now: datetime) -> OfferPublished:
    if venue.closed:
        raise Conflict("venue_closed", f"venue {venue.venue_id} is closed; it cannot publish offers")
    _check_when(command.starts_at, command.ends_at, now)
    terms = command.model_dump()
    terms["accepted_regions"] = command.accepted_regions or [venue.region]
    return OfferPublished(offer_id=offer_id, venue_id=venue.venue_id, venue_kind=venue.kind, region=venue.region,
                          municipality=venue.municipality, **terms, published_at=now)


def update_offer(offer: Offer, changes: OfferChanges, tickets_used: int, now: datetime) -> OfferUpdated:
    _refuse_if_withdrawn(offer, "changed")
    changed = changes.model_dump(exclude_unset=True)
    terms = offer.model_dump(include=set(TERMS)) | changed
    if {"starts_at", "ends_at"} & changed.keys():
        _check_when(terms["starts_at"], terms["ends_at"], now)
    if "quota" in changed and terms["quota"] is not None and terms["quota"] < tickets_used:
        raise Rejected("quota_below_used",
                       f"{tickets_used} tickets of this offer are already taken; "
                       f"the quota cannot be below {tickets_used}")
    return OfferUpdated(offer_id=offer.offer_id, **terms, updated_at=now)


def withdraw_offer(offer: Offer, now: datetime) -> OfferWithdrawn:
    _refuse_if_withdrawn(offer, "withdrawn again")
    return OfferWithdrawn(offer_id=offer.offer_id, withdrawn_at=now)


def _check_when(starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> None:
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise Rejected("ends_before_starts",
                       f"the offer ends ({ends_at.isoformat()}) before it starts ({starts_at.isoformat()}); "
                       "give an end after the start")
    if ends_at is not None and ends_at <= now:
        raise Rejected("offer_over", f"the end {ends_at.isoformat()} has already passed; "
                                     "give a future end, or leave it out for an open-ended offer")


def _refuse_if_withdrawn(offer: Offer, what: str) -> None:
    if offer.withdrawn_at is not None:
        raise Conflict("offer_withdrawn", f"offer {offer.offer_id} was withdrawn on "
                                          f"{offer.withdrawn_at.date().isoformat()} and cannot be {what}; "
                                          "publish a new offer instead")


def offer_from(events) -> Offer | None:
    offer = None
    for event in events:
        offer = apply(event, offer)
    return offer


@singledispatch
def apply(event, offer: Offer | None) -> Offer:
    raise TypeError(f"not an offer event: {type(event).__name__}")


@apply.register
def _(event: OfferPublished, _offer: None) -> Offer:
    return Offer(**event.model_dump())


@apply.register
def _(event: OfferUpdated, offer: Offer) -> Offer:
    return Offer(**offer.model_dump() | event.model_dump(exclude={"offer_id"}))


@apply.register
def _(event: OfferWithdrawn, offer: Offer) -> Offer:
    return Offer(**offer.model_dump() | {"withdrawn_at": event.withdrawn_at})

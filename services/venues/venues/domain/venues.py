"""Venues: registered by a region's coordinator, kept up to date, closed. Pure decisions."""

from datetime import datetime
from functools import singledispatch
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from leisure_contracts.events import VenueClosed, VenueRegistered, VenueUpdated
from leisure_contracts.events.common import LocalizedText, RegionCode, VenueKind
from leisure_runtime.request_types import MAX_LIST_ITEMS, LocalizedDescription, LocalizedName, PostalCode
from venues.domain.refusals import Conflict

LanguageCode = Annotated[str, Field(pattern=r"^[a-zA-Z]{2}$", description="ISO 639-1 code, e.g. 'fi'"),
                         AfterValidator(str.lower)]


def _distinct(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


Languages = Annotated[list[LanguageCode], Field(max_length=MAX_LIST_ITEMS), AfterValidator(_distinct)]


class VenueChanges(BaseModel):
    """What staff may change of a venue; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: LocalizedName | None = None
    street_address: str | None = Field(default=None, min_length=1, max_length=200)
    postal_code: PostalCode | None = None
    accessibility: LocalizedDescription | None = None
    languages: Languages | None = None

    @model_validator(mode="after")
    def _required_details_stay(self) -> "VenueChanges":
        cleared = [name for name in ("name", "postal_code", "languages")
                   if name in self.model_fields_set and getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be removed, only changed")
        return self


class RegisterVenue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LocalizedName
    region: RegionCode
    municipality: str = Field(min_length=1, max_length=100, examples=["Espoo"])
    kind: VenueKind
    street_address: str | None = Field(default=None, min_length=1, max_length=200)
    postal_code: PostalCode
    accessibility: LocalizedDescription | None = None
    languages: Languages = Field(default_factory=lambda: ["fi"])


class Venue(BaseModel):
    """A venue as its events leave it."""

    model_config = ConfigDict(frozen=True)

    venue_id: UUID
    name: LocalizedText
    region: str
    municipality: str
    kind: VenueKind
    street_address: str | None
    postal_code: str
    accessibility: LocalizedText | None
    languages: list[str]
    closed: bool = False


def register_venue(command: RegisterVenue, venue_id: UUID, now: datetime) -> VenueRegistered:
    return VenueRegistered(venue_id=venue_id, **command.model_dump(), registered_at=now)


def update_venue(venue: Venue, changes: VenueChanges, now: datetime) -> VenueUpdated:
    _refuse_if_closed(venue, "changed")
    details = venue.model_dump(include={"name", "street_address", "postal_code", "accessibility", "languages"})
    details.update(changes.model_dump(exclude_unset=True))
    return VenueUpdated(venue_id=venue.venue_id, **details, updated_at=now)


def close_venue(venue: Venue, now: datetime) -> VenueClosed:
    _refuse_if_closed(venue, "closed again")
    return VenueClosed(venue_id=venue.venue_id, closed_at=now)


def _refuse_if_closed(venue: Venue, what: str) -> None:
    if venue.closed:
        raise Conflict("venue_closed", f"venue {venue.venue_id} is closed and cannot be {what}")


def venue_from(events) -> Venue | None:
    venue = None
    for event in events:
        venue = apply(event, venue)
    return venue


@singledispatch
def apply(event, venue: Venue | None) -> Venue:
    raise TypeError(f"not a venue event: {type(event).__name__}")


@apply.register
def _(event: VenueRegistered, _venue: None) -> Venue:
    return Venue(**event.model_dump(exclude={"registered_at"}))


@apply.register
def _(event: VenueUpdated, venue: Venue) -> Venue:
    return Venue(**venue.model_dump() | event.model_dump(exclude={"venue_id", "updated_at"}))


@apply.register
def _(_event: VenueClosed, venue: Venue) -> Venue:
    return venue.model_copy(update={"closed": True})

"""Offers: published by a venue, changed, withdrawn. Pure decisions; the tickets already taken
come from the caller, who counts them from the usage service's visit events."""

from datetime import datetime
from functools import singledispatch
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from leisure_contracts.events import OfferPublished, OfferUpdated, OfferWithdrawn
from leisure_contracts.events.common import (
    ActivityFormat,
    LocalizedText,
    OfferCategory,
    OfferKind,
    OfferSession,
    RegionCode,
    VenueKind,
)
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
MAX_SESSIONS = 200
"""A weekly group's two years, or a course's every meeting: enough, and the event stays small."""


class SessionIn(BaseModel):
    """A session as staff give it: a new one gets its id here, an existing one keeps the id it has."""

    model_config = ConfigDict(extra="forbid")

    session_id: UUID = Field(default_factory=uuid4, description="Leave out for a new session; keep for an existing one")
    starts_at: Instant
    ends_at: Instant | None = None
    places: int | None = Field(default=None, ge=1, le=10_000, description="Places at the session; none: not counted")


Sessions = Annotated[list[SessionIn], Field(max_length=MAX_SESSIONS)]


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
    activity: ActivityFormat | None = Field(default=None, description="group or course: meets in sessions")
    sessions: Sessions = Field(default_factory=list, description="The meetings of a group or course")


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
    activity: ActivityFormat | None = None
    sessions: Sessions | None = None

    @model_validator(mode="after")
    def _required_terms_stay(self) -> "OfferChanges":
        cleared = [name for name in ("title", "max_tickets_per_visit", "accepted_programmes", "accepted_regions",
                                     "sessions")
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
    activity: ActivityFormat | None = None
    sessions: list[OfferSession] = []
    published_at: datetime
    updated_at: datetime | None = None
    withdrawn_at: datetime | None = None


TERMS = ("title", "description", "starts_at", "ends_at", "quota", "max_tickets_per_visit",
         "accepted_programmes", "accepted_regions", "activity", "sessions")


def publish_offer(venue: Venue, command: PublishOffer, offer_id: UUID, now: datetime) -> OfferPublished:
    if venue.closed:
        raise Conflict("venue_closed", f"venue {venue.venue_id} is closed; it cannot publish offers")
    _check_when(command.starts_at, command.ends_at, now)
    _check_sessions(command.activity, command.sessions, command.starts_at, command.ends_at)
    terms = command.model_dump()
    terms["sessions"] = _in_order(command.sessions)
    terms["accepted_regions"] = command.accepted_regions or [venue.region]
    return OfferPublished(offer_id=offer_id, venue_id=venue.venue_id, venue_kind=venue.kind, region=venue.region,
                          municipality=venue.municipality, **terms, published_at=now)


def update_offer(offer: Offer, changes: OfferChanges, tickets_used: int, now: datetime) -> OfferUpdated:
    _refuse_if_withdrawn(offer, "changed")
    changed = changes.model_dump(exclude_unset=True)
    terms = offer.model_dump(include=set(TERMS)) | changed
    if {"starts_at", "ends_at"} & changed.keys():
        _check_when(terms["starts_at"], terms["ends_at"], now)
    if {"starts_at", "ends_at", "activity", "sessions"} & changed.keys():
        sessions = [SessionIn(**session) for session in terms["sessions"]]
        _check_sessions(terms["activity"], sessions, terms["starts_at"], terms["ends_at"])
        terms["sessions"] = _in_order(sessions)
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


def _check_sessions(activity: ActivityFormat | None, sessions: list[SessionIn], starts_at: datetime | None,
                    ends_at: datetime | None) -> None:
    if sessions and activity is None:
        raise Rejected("sessions_without_activity",
                       "only a group or a course meets in sessions: give activity \"group\" or \"course\", "
                       "or leave the sessions out")
    ids = [session.session_id for session in sessions]
    if len(set(ids)) != len(ids):
        raise Rejected("session_listed_twice", "a session id appears twice; list each session once")
    for session in sessions:
        when = session.starts_at.isoformat()
        if session.ends_at is not None and session.ends_at <= session.starts_at:
            raise Rejected("session_ends_before_starts",
                           f"the session starting {when} ends at or before its start; give an end after it")
        if (starts_at is not None and session.starts_at < starts_at) or (
                ends_at is not None and (session.ends_at or session.starts_at) > ends_at):
            raise Rejected("session_outside_offer",
                           f"the session starting {when} falls outside the offer's own start and end; "
                           "move the session, or the offer's dates")


def _in_order(sessions: list[SessionIn]) -> list[dict]:
    return [session.model_dump() for session in sorted(sessions, key=lambda s: (s.starts_at, str(s.session_id)))]


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

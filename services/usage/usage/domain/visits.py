"""Recording a visit: every rule a card and an offer must meet, each refusal with a reason code
and a message the box-office staff can act on. Pure: the caller loads the views and stores the
events this returns."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leisure_contracts.events import RewardEarned, VisitRecorded
from leisure_runtime.errors import NotFound, Rejected
from leisure_runtime.request_types import Instant
from usage.domain import rewards
from usage.domain.calendar import BACKDATING_LIMIT, CLOCK_SKEW, local_day
from usage.domain.views import CardAtVisit, CardStanding, OfferAtVisit, OfferTerms


class RecordVisit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_number: str = Field(max_length=40, description="As typed or scanned; spaces and dashes are fine")
    offer_id: UUID
    tickets: int = Field(default=1, ge=1, le=50, description="Holder, children under 16 and escort together")
    escort: bool = Field(default=False, description="A free escort of a holder with a disability is among the tickets")
    idempotency_key: str = Field(min_length=8, max_length=100,
                                 description="New for each visit, the same on a retry: a retry records nothing new")
    occurred_at: Instant | None = Field(
        default=None, description="When the visit happened, if entered later from paper (up to 30 days back)")
    session_id: UUID | None = Field(default=None, description="The group's or course's session attended: "
                                                              "its places are counted")

    @model_validator(mode="after")
    def _escort_comes_with_the_holder(self) -> "RecordVisit":
        if self.escort and self.tickets < 2:
            raise ValueError("with an escort there are at least two tickets: the holder's and the escort's")
        return self

    def fingerprint(self) -> str:
        """What makes a retry the same request: everything but the key itself."""
        return self.model_dump_json(exclude={"idempotency_key"})


@dataclass(frozen=True)
class Recorded:
    visit: VisitRecorded
    reward: RewardEarned | None
    standing: CardStanding
    """The card's standing after this visit."""


def occurred_at(command: RecordVisit, now: datetime) -> datetime:
    """When the visit happened: now, or a time entered later, within the backdating limit."""
    if command.occurred_at is None:
        return now
    if command.occurred_at > now + CLOCK_SKEW:
        raise Rejected("visit_in_future",
                       f"the visit's time {command.occurred_at.isoformat()} is in the future; "
                       "leave it out for a visit happening now, or check the device's clock")
    if command.occurred_at < now - BACKDATING_LIMIT:
        raise Rejected("visit_too_old",
                       f"visits can be entered up to {BACKDATING_LIMIT.days} days after they happened; "
                       f"{command.occurred_at.date().isoformat()} is further back")
    return command.occurred_at


def decide_visit(command: RecordVisit, card: CardAtVisit, offer: OfferAtVisit, standing: CardStanding,
                 *, when: datetime, now: datetime, zone: ZoneInfo) -> Recorded:
    day = local_day(when, zone)
    _card_valid(card, when, day)
    terms = _offer_open(offer, when, day, zone)
    _card_accepted(card, offer, terms)
    children = _tickets_fit(command, card, terms)
    if card.yearly_use_limit is not None and standing.uses_in_visit_year >= card.yearly_use_limit:
        raise Rejected("yearly_limit_reached",
                       f"this card has been used {standing.uses_in_visit_year} times in {day.year}, its "
                       f"programme's yearly limit of {card.yearly_use_limit}; it can be used again next year")
    _room_for(command.tickets, offer.places_left, "no_places_left", "on this offer")
    _session_fits(command, offer, day, zone)
    visit = VisitRecorded(
        visit_id=uuid4(), card_id=card.card_id, card_number=card.card_number, programme_id=card.programme_id,
        card_region=card.home_region, offer_id=offer.offer_id, venue_id=offer.venue_id,
        venue_kind=offer.venue_kind, region=offer.region, category=offer.category, tickets=command.tickets,
        children=children, escort=command.escort, occurred_at=when, recorded_at=now, session_id=command.session_id,
    )
    after, reward = rewards.count_visit(card, standing, visit, now)
    return Recorded(visit, reward, after)


def _session_fits(command: RecordVisit, offer: OfferAtVisit, day, zone: ZoneInfo) -> None:
    """A visit to a session: the offer has it, it is that day, and it has room for the tickets."""
    if command.session_id is None:
        return
    session = offer.session
    if session is None:
        raise NotFound("session_unknown",
                       f"this offer has no session {command.session_id}; check the session in the catalogue, "
                       "or if it was added just now, try again in a few seconds")
    session_day = local_day(session.starts_at, zone)
    if session_day != day:
        raise Rejected("not_session_day", f"this session is on {session_day.isoformat()}, the visit on "
                                          f"{day.isoformat()}; choose the session of the visit's day")
    _room_for(command.tickets, session.places_left, "no_places_left_in_session", "at this session")


def _room_for(tickets: int, left: int | None, code: str, where: str) -> None:
    """Refuses more tickets than places left (None: places are not counted)."""
    if left is not None and tickets > left:
        raise Rejected(code, f"no places left {where}" if left == 0 else
                       f"only {left} places left {where}; {tickets} were asked")


def _card_valid(card: CardAtVisit, when: datetime, day) -> None:
    if card.revoked_at is not None and card.revoked_at <= when:
        raise Rejected("card_revoked",
                       f"this card was revoked on {card.revoked_at.date().isoformat()} "
                       f"({(card.revocation_reason or 'no reason given').replace('_', ' ')}); "
                       "it cannot be used: the holder can ask their distributor for a new card")
    if day < card.valid_from:
        raise Rejected("card_not_yet_valid", f"this card is valid from {card.valid_from.isoformat()}")
    if day > card.valid_until:
        raise Rejected("card_expired",
                       f"this card expired on {card.valid_until.isoformat()}; "
                       "the holder can ask their distributor to renew it")


def _offer_open(offer: OfferAtVisit, when: datetime, day, zone: ZoneInfo) -> OfferTerms:
    """Open that day by the terms then in force; an offer entered in the catalogue after it opened
    was open from its starts_at, not from its publication."""
    if offer.withdrawn_at is not None and offer.withdrawn_at <= when:
        raise Rejected("offer_withdrawn",
                       f"this offer was withdrawn on {offer.withdrawn_at.date().isoformat()}; "
                       "choose another offer of the venue")
    terms = offer.terms
    if terms.starts_at is not None and day < local_day(terms.starts_at, zone):
        raise Rejected("offer_not_started",
                       f"this offer opens on {local_day(terms.starts_at, zone).isoformat()}")
    if terms.ends_at is not None and day > local_day(terms.ends_at, zone):
        raise Rejected("offer_ended", f"this offer ended on {local_day(terms.ends_at, zone).isoformat()}")
    return terms


def _card_accepted(card: CardAtVisit, offer: OfferAtVisit, terms: OfferTerms) -> None:
    if card.programme_id not in terms.accepted_programmes:
        raise Rejected("programme_not_accepted",
                       f"this offer does not accept {card.programme_id} cards; it accepts "
                       f"{', '.join(terms.accepted_programmes) or 'no programme'}")
    if card.home_region not in terms.accepted_regions:
        raise Rejected("card_region_not_accepted",
                       f"this offer accepts cards from {', '.join(terms.accepted_regions) or 'no region'}, "
                       f"not from {card.home_region}")
    if offer.region not in card.accepted_regions:
        raise Rejected("card_not_valid_in_region",
                       f"this card is valid in {', '.join(card.accepted_regions)}, not in {offer.region}")


def _tickets_fit(command: RecordVisit, card: CardAtVisit, terms: OfferTerms) -> int:
    """The number of children's tickets, if the tickets fit the card and the offer."""
    if command.escort and not card.escort_free:
        raise Rejected("escort_not_free", "this card's programme has no free escort; record the visit without one")
    children = command.tickets - 1 - int(command.escort)
    if children > card.children_allowance:
        most = 1 + card.children_allowance + int(card.escort_free)
        raise Rejected("too_many_tickets_for_card",
                       f"this card covers the holder and up to {card.children_allowance} children under 16"
                       f"{' plus a free escort' if card.escort_free else ''}: at most {most} tickets")
    if command.tickets > terms.max_tickets_per_visit:
        raise Rejected("over_offer_visit_maximum",
                       f"this offer gives at most {terms.max_tickets_per_visit} tickets per visit")
    return children

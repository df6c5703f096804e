"""A card after issue: renewed, revoked, replaced. Its state is its events; expiry is only a date.

Renewal extends by the programme's current validity: from the day after the card's last valid day
while it is still valid (renewing early loses nothing), from today once it has expired (the gap is
not back-dated).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.card_numbers import formatted
from issuance.domain.cards import age_range, check_age
from issuance.domain.dates import add_months, finnish_day
from leisure_contracts.base import Event
from leisure_contracts.events import (
    CardIssued,
    CardRenewed,
    CardRevoked,
    DistributorRegistered,
    ProgrammeDefined,
)
from leisure_contracts.events.cards import RevocationReason
from leisure_runtime.errors import Refusal, Rejected


class CardStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class CardConflict(Refusal):
    """The card's state rules the command out, e.g. renewing a revoked card."""

    status = 409


class RenewCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(
        default=None, ge=0, le=120,
        description="The holder's age now, in years: needed when the programme has a maximum age; "
                    "checked against the programme's ages, never stored")


class RevokeCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: RevocationReason


@dataclass(frozen=True)
class Card:
    issued: CardIssued
    valid_until: date
    revoked: CardRevoked | None
    version: int

    @property
    def number(self) -> str:
        return self.issued.card_number

    def status(self, today: date) -> CardStatus:
        if self.revoked is not None:
            return CardStatus.REVOKED
        return CardStatus.ACTIVE if today <= self.valid_until else CardStatus.EXPIRED

    def after(self, event: Event) -> "Card":
        match event:
            case CardRenewed():
                return replace(self, valid_until=event.valid_until, version=self.version + 1)
            case CardRevoked():
                return replace(self, revoked=event, version=self.version + 1)
        raise TypeError(f"a card does not change by {event.event_type()}")


def card(events: list[Event]) -> Card:
    issued, *later = events
    state = Card(issued, issued.valid_until, None, 1)
    for event in later:
        state = state.after(event)
    return state


def renew(card: Card, programme: ProgrammeDefined, now: datetime, age: int | None = None) -> CardRenewed:
    """A holder may have grown out of the programme's ages since issue; the card keeps only an age
    band, so under a maximum age the worker tells the age now."""
    _refuse_if_revoked(card, "renewed")
    if age is not None:
        check_age(programme, age)
    elif programme.maximum_age is not None:
        raise Rejected("age_required", f"the programme is for people aged {age_range(programme)}: give the "
                                       "holder's age now (`age`, in years) to renew the card")
    today = finnish_day(now)
    starts = card.valid_until + timedelta(days=1) if card.status(today) is CardStatus.ACTIVE else today
    return CardRenewed(card_id=card.issued.card_id, card_number=card.number, renewed_at=now,
                       valid_until=add_months(starts, programme.validity_months) - timedelta(days=1))


def revoke(card: Card, reason: RevocationReason, now: datetime, replaced_by: UUID | None = None) -> CardRevoked:
    _refuse_if_revoked(card, "revoked again")
    return CardRevoked(card_id=card.issued.card_id, card_number=card.number, reason=reason,
                       replaced_by_card_id=replaced_by, revoked_at=now)


def replace_lost(
    card: Card, distributor: DistributorRegistered, *, card_id: UUID, card_number: str, now: datetime
) -> tuple[CardIssued, CardRevoked]:
    """A lost card: a new number with the same terms, background and last valid day; the old
    number is revoked as lost and points to the new card."""
    _refuse_if_revoked(card, "replaced")
    today = finnish_day(now)
    if card.status(today) is CardStatus.EXPIRED:
        raise Rejected("card_expired", f"card {formatted(card.number)} expired on {card.valid_until}; "
                                       "issue a new card instead of a replacement")
    replacement = card.issued.model_copy(update=dict(
        card_id=card_id, card_number=card_number, distributor_id=distributor.distributor_id,
        distributor_kind=distributor.kind, valid_from=today, valid_until=card.valid_until,
        replaces_card_id=card.issued.card_id, issued_at=now,
    ))
    return replacement, revoke(card, RevocationReason.LOST, now, replaced_by=card_id)


def _refuse_if_revoked(card: Card, what: str) -> None:
    if card.revoked is not None:
        hint = " Look up its replacement." if card.revoked.replaced_by_card_id else ""
        raise CardConflict("card_revoked",
                           f"card {formatted(card.number)} was revoked on {finnish_day(card.revoked.revoked_at)} "
                           f"({card.revoked.reason}); it cannot be {what}.{hint}")

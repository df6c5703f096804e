"""What staff read: a card looked up by its number, the cards an organisation issued, programmes."""

import base64
import binascii
import json
from dataclasses import replace
from datetime import date, datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from issuance.adapters import read_models
from issuance.adapters.read_models import CardFilter, Position
from issuance.application import streams
from issuance.application.streams import Issuance
from leisure_contracts.card_numbers import formatted
from issuance.domain.dates import finnish_day
from issuance.domain.lifecycle import Card, CardStatus
from leisure_contracts.events import ProgrammeDefined
from leisure_contracts.events.cards import HolderBackground, RevocationReason, RewardRule
from leisure_runtime.auth import Principal, Role
from leisure_runtime.errors import NotFound, Rejected


class Revocation(BaseModel):
    reason: RevocationReason
    revoked_at: AwareDatetime
    replaced_by_card_id: UUID | None = None


class CardView(BaseModel):
    """A card as staff see it. `background` only for the issuing organisation and the region's
    coordinators: venue staff and other organisations never see it."""

    card_id: UUID
    card_number: str
    printed_number: str
    status: CardStatus
    programme_id: str
    distributor_id: str
    home_region: str
    accepted_regions: list[str]
    valid_from: date
    valid_until: date
    children_allowance: int
    escort_free: bool
    yearly_use_limit: int | None
    reward_rule: RewardRule | None
    issued_at: AwareDatetime
    replaces_card_id: UUID | None
    revocation: Revocation | None
    background: HolderBackground | None


class CardPage(BaseModel):
    cards: list[CardView]
    next: str | None = None
    """Pass as `after` for the next page; none: this was the last."""


async def look_up_card(issuance: Issuance, typed_number: str, principal: Principal) -> CardView:
    number = streams.card_number(typed_number)
    card = await read_models.card_by_number(issuance.pool, number)
    if card is None:
        raise NotFound("unknown_card", f"no card has the number {formatted(number)}")
    return view(card, principal, finnish_day(streams.now()))


async def list_cards(issuance: Issuance, principal: Principal, where: CardFilter, after: str | None,
                     limit: int) -> CardPage:
    if principal.role is Role.distributor:
        where = replace(where, distributor_id=principal.organisation)
    elif not principal.national:
        where = replace(where, home_region=principal.region)
    found = await read_models.list_cards(issuance.pool, where, _position(after), limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return CardPage(cards=[view(card, principal, where.today) for card in page],
                    next=_cursor(page[-1]) if more else None)


async def list_programmes(issuance: Issuance, principal: Principal) -> list[ProgrammeDefined]:
    return await read_models.programmes_in(issuance.pool, None if principal.national else principal.region)


def view(card: Card, principal: Principal, today: date) -> CardView:
    issued = card.issued
    sees_background = principal.can_act_for_organisation(issued.distributor_id, issued.home_region)
    revoked = card.revoked
    return CardView(
        **issued.model_dump(include={"card_id", "card_number", "programme_id", "distributor_id", "home_region",
                                     "accepted_regions", "valid_from", "children_allowance", "escort_free",
                                     "yearly_use_limit", "reward_rule", "issued_at", "replaces_card_id"}),
        printed_number=formatted(issued.card_number),
        status=card.status(today),
        valid_until=card.valid_until,
        revocation=Revocation(reason=revoked.reason, revoked_at=revoked.revoked_at,
                              replaced_by_card_id=revoked.replaced_by_card_id) if revoked else None,
        background=issued.background if sees_background else None,
    )


def _cursor(card: Card) -> str:
    position = [card.issued.issued_at.isoformat(), str(card.issued.card_id)]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def _position(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        issued_at, card_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return Position(datetime.fromisoformat(issued_at), UUID(card_id))
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise Rejected("invalid_cursor", "`after` is not a position this list gave; "
                                         "start again from the first page") from None

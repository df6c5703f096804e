"""Consent at the desk: a distributor records the holder's number, categories and language against
the card; the holder withdraws at the desk or by replying a stop keyword. Withdrawing erases the
number, as revoking or the expiry of the card does."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from leisure_contracts.card_numbers import formatted, is_valid, normalise
from leisure_contracts.events.common import OfferCategory
from leisure_runtime.auth import Principal
from leisure_runtime.errors import NotFound, Rejected
from leisure_runtime.logging import get_logger
from notifications.adapters import store
from notifications.adapters.metrics import NotificationsMetrics
from notifications.domain.messages import Language
from notifications.domain.phone_numbers import from_gateway, masked, normalised

log = get_logger(__name__)


class Erasure(StrEnum):
    """Why a number was erased; the consent log and the metrics say it."""

    WITHDRAWN_AT_DESK = "withdrawn_at_desk"
    WITHDRAWN_BY_REPLY = "withdrawn_by_reply"
    CARD_REVOKED = "card_revoked"
    CARD_EXPIRED = "card_expired"


class GiveConsent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: Annotated[str, Field(min_length=1, max_length=40,
                                       description="The holder's mobile number, e.g. 040 123 4567; kept only here")]
    categories: list[OfferCategory] = Field(
        default_factory=list, max_length=len(OfferCategory),
        description="New offers of these categories are sent automatically; empty: coordinators' news only")
    language: Language = Field(default=Language.FI, description="The language of the messages")


class Consent(BaseModel):
    card_number: str
    phone_number: str = Field(description="Masked: the first digits and the last two")
    categories: list[OfferCategory]
    language: Language
    consented_at: datetime
    consented_by: str = Field(description="The staff subject who recorded the consent")


async def give(pool: asyncpg.Pool, metrics: NotificationsMetrics, principal: Principal, typed_number: str,
               command: GiveConsent) -> Consent:
    phone_number = normalised(command.phone_number)
    categories = sorted({category.value for category in command.categories})
    async with pool.acquire() as conn, conn.transaction():
        card = await _active_card(conn, principal, typed_number)
        row = await store.save_consent(conn, card["card_id"], phone_number, categories, command.language.value,
                                       principal.subject)
    metrics.consent_changes("given").inc()
    log.info("consent to SMS news recorded", card_id=str(card["card_id"]), phone_number=masked(phone_number))
    return _consent(row)


async def get(pool: asyncpg.Pool, principal: Principal, typed_number: str) -> Consent:
    async with pool.acquire() as conn:
        card = await _card(conn, principal, typed_number)
        row = await store.consent(conn, card["card_id"])
    if row is None:
        raise NotFound("no_consent", f"the holder of card {formatted(card['card_number'])} has not consented to "
                                     "SMS news, or has withdrawn it")
    return _consent(row)


async def withdraw_at_desk(pool: asyncpg.Pool, metrics: NotificationsMetrics, principal: Principal,
                           typed_number: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        card = await _card(conn, principal, typed_number)
        erased = await store.erase_consents(conn, [card["card_id"]], Erasure.WITHDRAWN_AT_DESK, principal.subject)
    if not erased:
        raise NotFound("no_consent", f"the holder of card {formatted(card['card_number'])} has no consent to "
                                     "withdraw")
    metrics.consent_changes(Erasure.WITHDRAWN_AT_DESK).inc()


async def withdraw_by_reply(pool: asyncpg.Pool, metrics: NotificationsMetrics, msisdn: str | int) -> int:
    """Every consent given with the number ends: one phone may be the contact of several cards."""
    phone_number = from_gateway(msisdn)
    async with pool.acquire() as conn, conn.transaction():
        cards = await store.cards_of_phone_number(conn, phone_number)
        erased = await store.erase_consents(conn, cards, Erasure.WITHDRAWN_BY_REPLY, None)
    metrics.consent_changes(Erasure.WITHDRAWN_BY_REPLY).inc(erased)
    log.info("stop reply received", phone_number=masked(phone_number), consents_ended=erased)
    return erased


async def erase_expired(pool: asyncpg.Pool, metrics: NotificationsMetrics, today: date) -> int:
    """Numbers of cards whose last valid day (in Finland) is before `today`."""
    async with pool.acquire() as conn, conn.transaction():
        erased = await store.erase_consents(conn, await store.expired_consents(conn, today),
                                            Erasure.CARD_EXPIRED, None)
    metrics.consent_changes(Erasure.CARD_EXPIRED).inc(erased)
    return erased


async def _card(conn: asyncpg.Connection, principal: Principal, typed_number: str) -> asyncpg.Record:
    number = normalise(typed_number)
    if not is_valid(number):
        raise Rejected("invalid_card_number", "the card number is 12 digits with a check digit; check it for typos")
    card = await store.card(conn, number)
    if card is None:
        raise NotFound("unknown_card", f"there is no card {formatted(number)}; a card issued a moment ago may "
                                       "take a few seconds to be known here")
    principal.require_region(card["home_region"], "record SMS consent for cards")
    return card


async def _active_card(conn: asyncpg.Connection, principal: Principal, typed_number: str) -> asyncpg.Record:
    card = await _card(conn, principal, typed_number)
    if card["revoked"]:
        raise Rejected("card_revoked", f"card {formatted(card['card_number'])} is revoked: a consent needs a "
                                       "card in use")
    if card["expired"]:
        raise Rejected("card_expired", f"card {formatted(card['card_number'])} expired on {card['valid_until']}: "
                                       "renew it first")
    return card


def _consent(row: asyncpg.Record) -> Consent:
    return Consent(card_number=row["card_number"], phone_number=masked(row["phone_number"]),
                   categories=row["categories"], language=row["language"], consented_at=row["consented_at"],
                   consented_by=row["consented_by"])

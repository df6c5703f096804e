"""Distributors' commands on cards: issue, renew, revoke, replace a lost one. Each loads the
card's events, decides, and appends the new events with the cards table in one transaction."""

from uuid import UUID, uuid4

import asyncpg

from issuance.adapters import read_models
from issuance.application import streams
from issuance.application.streams import Issuance
from issuance.domain import cards, lifecycle
from leisure_contracts.card_numbers import formatted
from leisure_contracts.base import Event
from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked
from leisure_contracts.events.cards import RevocationReason
from leisure_runtime.auth import Principal
from leisure_runtime.errors import Rejected
from leisure_runtime.event_store import ConcurrencyConflict


async def issue_card(issuance: Issuance, command: cards.IssueCard, principal: Principal) -> CardIssued:
    async with issuance.pool.acquire() as conn, conn.transaction():
        distributor = await streams.distributor(issuance.store, conn, principal)
        principal.require_region(distributor.region, "issue cards")
        programme, _ = await streams.programme(issuance.store, conn, command.programme_id)
        if distributor.region not in programme.participating_regions:
            raise Rejected("programme_outside_region",
                           f"programme {command.programme_id!r} does not run in region {distributor.region!r}; "
                           "choose a programme of your region")
        card_id = uuid4()
        event = cards.issue_card(programme, distributor, command, card_id=card_id,
                                 card_number=await _new_card_number(conn, issuance, card_id), now=streams.now())
        await issuance.store.append(conn, streams.card_stream(card_id), 0, [event])
        await read_models.save_card(conn, lifecycle.card([event]))
    issuance.metrics.count(event, [event])
    return event


async def renew_card(issuance: Issuance, number: str, principal: Principal, age: int | None = None) -> CardRenewed:
    async with issuance.pool.acquire() as conn, conn.transaction():
        card = await streams.card(issuance.store, conn, number)
        principal.require_region(card.issued.home_region, "renew cards")
        programme, _ = await streams.programme(issuance.store, conn, card.issued.programme_id)
        event = lifecycle.renew(card, programme, streams.now(), age)
        await _append(issuance, conn, card, event)
    issuance.metrics.count(card.issued, [event])
    return event


async def revoke_card(issuance: Issuance, number: str, reason: RevocationReason, principal: Principal) -> CardRevoked:
    async with issuance.pool.acquire() as conn, conn.transaction():
        card = await streams.card(issuance.store, conn, number)
        principal.require_region(card.issued.home_region, "revoke cards")
        event = lifecycle.revoke(card, reason, streams.now())
        await _append(issuance, conn, card, event)
    issuance.metrics.count(card.issued, [event])
    return event


async def replace_lost_card(issuance: Issuance, number: str, principal: Principal) -> CardIssued:
    async with issuance.pool.acquire() as conn, conn.transaction():
        card = await streams.card(issuance.store, conn, number)
        principal.require_region(card.issued.home_region, "replace cards")
        distributor = await streams.distributor(issuance.store, conn, principal)
        card_id = uuid4()
        replacement, revoked = lifecycle.replace_lost(
            card, distributor, card_id=card_id, card_number=await _new_card_number(conn, issuance, card_id),
            now=streams.now())
        await issuance.store.append(conn, streams.card_stream(card_id), 0, [replacement])
        await read_models.save_card(conn, lifecycle.card([replacement]))
        await _append(issuance, conn, card, revoked)
    issuance.metrics.count(card.issued, [replacement, revoked])
    return replacement


async def _append(issuance: Issuance, conn: asyncpg.Connection, card: lifecycle.Card, event: Event) -> None:
    try:
        await issuance.store.append(conn, streams.card_stream(card.issued.card_id), card.version, [event])
    except ConcurrencyConflict:
        raise lifecycle.CardConflict(
            "card_changed", f"card {formatted(card.number)} was changed by someone else at the same moment; "
                            "look it up again to see its state before trying again") from None
    await read_models.save_card(conn, card.after(event))


async def _new_card_number(conn: asyncpg.Connection, issuance: Issuance, card_id: UUID) -> str:
    """The next counter value, permuted: unique by construction. The table's key is the last guard,
    for a changed key; a number already taken is skipped, never handed out twice."""
    while True:
        number = issuance.numbers.number(await conn.fetchval("SELECT nextval('card_number_counter')"))
        if await conn.fetchval(
            "INSERT INTO card_numbers (card_number, card_id) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING RETURNING true",
            number, card_id,
        ):
            return number

"""Command handlers: load what the decision needs, decide, append the events in one transaction."""

from datetime import datetime, timezone
from uuid import uuid4

import asyncpg

from issuance.domain import card_number, cards, programmes
from leisure_contracts.events import CardIssued, DistributorRegistered, ProgrammeDefined
from leisure_runtime.auth import Forbidden, Principal
from leisure_runtime.errors import NotFound, Rejected
from leisure_runtime.event_store import EventStore


def programme_stream(programme_id: str) -> str:
    return f"programme-{programme_id}"


def distributor_stream(distributor_id: str) -> str:
    return f"distributor-{distributor_id}"


def card_stream(card_id) -> str:
    return f"card-{card_id}"


async def _first_event(store: EventStore, conn: asyncpg.Connection, stream_id: str):
    stored = await store.load(conn, stream_id)
    return stored[0].event if stored else None


async def define_programme(
    pool: asyncpg.Pool, store: EventStore, command: programmes.DefineProgramme, principal: Principal
) -> ProgrammeDefined:
    if command.home_region is None and not principal.national:
        raise Forbidden(f"this token is for {principal.scope}; only a national coordinator defines "
                        "a national programme")
    if command.home_region is not None:
        principal.require_region(command.home_region, "define programmes")
    async with pool.acquire() as conn, conn.transaction():
        stream = programme_stream(command.programme_id)
        event = programmes.define_programme(await _first_event(store, conn, stream), command, _now())
        await store.append(conn, stream, 0, [event])
    return event


async def register_distributor(
    pool: asyncpg.Pool, store: EventStore, command: programmes.RegisterDistributor, principal: Principal
) -> DistributorRegistered:
    principal.require_region(command.region, "register distributors")
    async with pool.acquire() as conn, conn.transaction():
        stream = distributor_stream(command.distributor_id)
        event = programmes.register_distributor(await _first_event(store, conn, stream), command, _now())
        await store.append(conn, stream, 0, [event])
    return event


async def issue_card(
    pool: asyncpg.Pool, store: EventStore, command: cards.IssueCard, principal: Principal
) -> CardIssued:
    async with pool.acquire() as conn, conn.transaction():
        distributor = await _first_event(store, conn, distributor_stream(principal.organisation or ""))
        if distributor is None:
            raise NotFound("unknown_distributor",
                           f"organisation {principal.organisation!r} is not a registered distributor; "
                           "ask the region's coordinator to register it")
        principal.require_region(distributor.region, "issue cards")
        programme = await _first_event(store, conn, programme_stream(command.programme_id))
        if programme is None:
            raise NotFound("unknown_programme", f"there is no programme {command.programme_id!r}")
        if distributor.region not in programme.participating_regions:
            raise Rejected("programme_outside_region",
                           f"programme {command.programme_id!r} does not run in region {distributor.region!r}")
        card_id = uuid4()
        number = await _reserve_card_number(conn, card_id)
        event = cards.issue_card(programme, distributor, command, card_id=card_id, card_number=number, now=_now())
        await store.append(conn, card_stream(card_id), 0, [event])
    return event


async def _reserve_card_number(conn: asyncpg.Connection, card_id) -> str:
    """A fresh random number, unique by the table's key: a clash draws again, never reuses."""
    while True:
        number = card_number.new_card_number()
        if await conn.fetchval(
            "INSERT INTO card_numbers (card_number, card_id) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING RETURNING true",
            number, card_id,
        ):
            return number


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""Where each aggregate's events live, and loading what a decision needs from them."""

from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

import asyncpg

from issuance.adapters.metrics import IssuanceMetrics
from issuance.domain import lifecycle, programmes
from issuance.domain.card_number import CardNumbers
from leisure_contracts.card_numbers import formatted, is_valid, normalise
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined
from leisure_runtime.auth import Principal
from leisure_runtime.errors import NotFound, Rejected
from leisure_runtime.event_store import EventStore


@dataclass(frozen=True)
class Issuance:
    """What the handlers work with, wired once per app."""

    pool: asyncpg.Pool
    store: EventStore
    numbers: CardNumbers
    metrics: IssuanceMetrics


def programme_stream(programme_id: str) -> str:
    return f"programme-{programme_id}"


def distributor_stream(distributor_id: str) -> str:
    return f"distributor-{distributor_id}"


def card_stream(card_id: UUID) -> str:
    return f"card-{card_id}"


async def programme(store: EventStore, conn: asyncpg.Connection, programme_id: str) -> tuple[ProgrammeDefined, int]:
    """The programme as it stands and its stream's version."""
    stored = await store.load(conn, programme_stream(programme_id))
    if not stored:
        raise NotFound("unknown_programme", f"there is no programme {programme_id!r}")
    return programmes.programme([s.event for s in stored]), stored[-1].version


async def distributor(store: EventStore, conn: asyncpg.Connection, principal: Principal) -> DistributorRegistered:
    """The caller's organisation as a registered distributor."""
    stored = await store.load(conn, distributor_stream(principal.organisation or ""))
    if not stored:
        raise NotFound("unknown_distributor",
                       f"organisation {principal.organisation!r} is not a registered distributor; "
                       "ask the region's coordinator to register it")
    return stored[0].event


async def card(store: EventStore, conn: asyncpg.Connection, typed_number: str) -> lifecycle.Card:
    number = card_number(typed_number)
    card_id = await conn.fetchval("SELECT card_id FROM card_numbers WHERE card_number = $1", number)
    if card_id is None:
        raise NotFound("unknown_card", f"no card has the number {formatted(number)}")
    return lifecycle.card([s.event for s in await store.load(conn, card_stream(card_id))])


def card_number(typed: str) -> str:
    """The number as staff typed it (groups, spaces, dashes), checked against its check digit."""
    number = normalise(typed)
    if not is_valid(number):
        raise Rejected("invalid_card_number",
                       "that is not a card number: a card number has 12 digits and the last one "
                       "did not check out; read the number again from the card")
    return number


def now() -> datetime:
    return datetime.now(timezone.utc)

"""The cards and programmes tables: written in the same transaction as the events they follow, so
they are never behind; each row is rebuilt whole from the aggregate's state."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from issuance.domain.lifecycle import Card, CardStatus
from leisure_contracts.events import CardIssued, CardRevoked, ProgrammeDefined


async def save_card(conn: asyncpg.Connection, card: Card) -> None:
    issued = card.issued
    await conn.execute(
        """INSERT INTO cards (card_id, card_number, programme_id, distributor_id, home_region, issued_at,
                              issued_on, valid_until, issued, revoked, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11)
           ON CONFLICT (card_id) DO UPDATE
           SET valid_until = excluded.valid_until, revoked = excluded.revoked, version = excluded.version""",
        issued.card_id, issued.card_number, issued.programme_id, issued.distributor_id, issued.home_region,
        # The list's issue day is the day the card was handed over: for a card issued on paper, its valid_from.
        issued.issued_at, issued.valid_from, card.valid_until, issued.model_dump_json(),
        card.revoked.model_dump_json() if card.revoked else None, card.version,
    )


async def card_by_number(conn: asyncpg.Connection | asyncpg.Pool, number: str) -> Card | None:
    row = await conn.fetchrow(f"SELECT {_CARD} FROM cards WHERE card_number = $1", number)
    return _card(row) if row else None


@dataclass(frozen=True)
class CardFilter:
    """Which cards a list shows. `distributor_id` / `home_region` come from the caller's scope."""

    today: date
    distributor_id: str | None = None
    home_region: str | None = None
    programme_id: str | None = None
    status: CardStatus | None = None
    issued_from: date | None = None
    issued_until: date | None = None


@dataclass(frozen=True)
class Position:
    """Where a page ends: cards come newest first, ties broken by id."""

    issued_at: datetime
    card_id: UUID


async def list_cards(pool: asyncpg.Pool, where: CardFilter, after: Position | None, limit: int) -> list[Card]:
    conditions, arguments = [], []

    def condition(sql: str, *values) -> None:
        placeholders = [f"${len(arguments) + n}" for n in range(1, len(values) + 1)]
        arguments.extend(values)
        conditions.append(sql.format(*placeholders))

    if where.distributor_id is not None:
        condition("distributor_id = {}", where.distributor_id)
    if where.home_region is not None:
        condition("home_region = {}", where.home_region)
    if where.programme_id is not None:
        condition("programme_id = {}", where.programme_id)
    if where.status is CardStatus.REVOKED:
        condition("revoked IS NOT NULL")
    elif where.status is CardStatus.ACTIVE:
        condition("revoked IS NULL AND valid_until >= {}", where.today)
    elif where.status is CardStatus.EXPIRED:
        condition("revoked IS NULL AND valid_until < {}", where.today)
    if where.issued_from is not None:
        condition("issued_on >= {}", where.issued_from)
    if where.issued_until is not None:
        condition("issued_on <= {}", where.issued_until)
    if after is not None:
        condition("(issued_at, card_id) < ({}, {})", after.issued_at, after.card_id)
    rows = await pool.fetch(
        f"SELECT {_CARD} FROM cards WHERE {' AND '.join(conditions) or 'true'} "
        f"ORDER BY issued_at DESC, card_id DESC LIMIT {int(limit)}",
        *arguments,
    )
    return [_card(row) for row in rows]


async def save_programme(conn: asyncpg.Connection, programme: ProgrammeDefined) -> None:
    await conn.execute(
        """INSERT INTO programmes (programme_id, home_region, participating_regions, programme)
           VALUES ($1, $2, $3, $4::jsonb)
           ON CONFLICT (programme_id) DO UPDATE
           SET participating_regions = excluded.participating_regions, programme = excluded.programme""",
        programme.programme_id, programme.home_region, programme.participating_regions,
        programme.model_dump_json(),
    )


async def programmes_in(pool: asyncpg.Pool, region: str | None) -> list[ProgrammeDefined]:
    """Programmes running in `region`, or all of them for None."""
    rows = await pool.fetch(
        "SELECT programme::text AS programme FROM programmes "
        "WHERE $1::text IS NULL OR $1 = ANY(participating_regions) ORDER BY programme_id",
        region,
    )
    return [ProgrammeDefined.model_validate_json(row["programme"]) for row in rows]


_CARD = "issued::text AS issued, revoked::text AS revoked, valid_until, version"


def _card(row: asyncpg.Record) -> Card:
    revoked = CardRevoked.model_validate_json(row["revoked"]) if row["revoked"] else None
    return Card(CardIssued.model_validate_json(row["issued"]), row["valid_until"], revoked, row["version"])

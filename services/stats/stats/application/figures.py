"""The figures, counted from the projection's working state at query time, as tables of tallies
(count and cell key) ready for perturbation. Holder-centred figures (holders, reach,
cross-tabulation, rewards) take `region` as the card's home region; place-centred ones (uses,
quota) as the venue's region."""

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from stats.domain.dimensions import (
    OTHER_POSTAL_CODES,
    UNKNOWN,
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
)
from stats.domain.perturbation import KEY_SPACE, SMALLEST_SHOWN, Tally
from stats.domain.period import Period
from stats.domain.tables import TOTALS, Table, build_table


@dataclass(frozen=True)
class Scope:
    period: Period
    region: str | None = None
    programme_id: str | None = None
    municipality: str | None = None


# $1 region, $2 programme, $3 first day, $4 last day.
ACTIVE = "s.valid_from <= $4 AND s.valid_to >= $3 AND (s.revoked_on IS NULL OR s.revoked_on >= $3)"
HOLDERS_IN_SCOPE = f"""
WITH scoped AS (
    SELECT h.*, greatest(h.valid_until, r.valid_until) AS valid_to, v.revoked_on
    FROM holders h
    LEFT JOIN (SELECT holder, max(valid_until) AS valid_until FROM renewals GROUP BY holder) r USING (holder)
    LEFT JOIN revocations v USING (holder)
    WHERE ($1::text IS NULL OR h.home_region = $1) AND ($2::text IS NULL OR h.programme_id = $2)
      AND h.issued_on <= $4
), postal AS (
    -- Postal codes with few holders would point at them: they are shown together as one group.
    SELECT postal_code,
           CASE WHEN count(*) >= {SMALLEST_SHOWN} THEN postal_code ELSE '{OTHER_POSTAL_CODES}' END AS postal_area
    FROM scoped GROUP BY postal_code
), active AS (
    SELECT s.*, p.postal_area FROM scoped s JOIN postal p USING (postal_code) WHERE {ACTIVE}
)
"""
USES_IN_SCOPE = """
    v.occurred_on BETWEEN $3 AND $4
    AND NOT EXISTS (SELECT 1 FROM cancelled_visits c WHERE c.visit = v.visit)
    AND ($2::text IS NULL OR v.programme_id = $2)
"""

HOLDER_KEYS = {
    HolderDimension.region: ["s.home_region"],
    HolderDimension.programme: ["s.programme_id"],
    HolderDimension.age_band: ["s.age_band"],
    HolderDimension.gender: ["s.gender"],
    HolderDimension.mother_tongue: ["s.mother_tongue"],
    HolderDimension.life_situation: ["s.life_situation"],
    HolderDimension.postal_code: ["s.postal_area"],
    HolderDimension.distributor_kind: ["s.distributor_kind"],
}
VENUE_MUNICIPALITY = f"coalesce(o.municipality, w.municipality, '{UNKNOWN}')"
USE_KEYS = {
    UseDimension.region: ["v.region"],
    UseDimension.card_region: ["v.card_region"],
    UseDimension.programme: ["v.programme_id"],
    UseDimension.municipality: [VENUE_MUNICIPALITY],
    UseDimension.venue: ["v.venue_id::text", f"coalesce(w.name, '{UNKNOWN}')"],
    UseDimension.venue_kind: ["v.venue_kind"],
    UseDimension.category: ["v.category"],
    UseDimension.month: ["to_char(v.occurred_on, 'YYYY-MM')"],
    UseDimension.weekday: ["to_char(v.occurred_on, 'ID-FMday')"],
}
USE_COLUMNS = ("visits", "children_tickets", "escort_tickets")
HOLDER_COLUMNS = ("issued", "active", "revoked", "renewed")
REACH_COLUMNS = ("users", "non_users")
# A visit is the record of the uses; each of its tickets carries the visit's key, so a cell of
# tickets has the sum of its visits' keys, each times its tickets.
_USE_TALLIES = """count(*) AS visits, sum(v.record_key) AS visits_key,
    sum(v.children) AS children_tickets, sum(v.children::bigint * v.record_key) AS children_tickets_key,
    sum(v.escorts) AS escort_tickets, sum(v.escorts::bigint * v.record_key) AS escort_tickets_key"""


def counted(name: str, condition: str = "true", key: str = "s.record_key") -> str:
    """SQL for a column of records meeting `condition`: their number, and their keys' sum."""
    return f"count(*) FILTER (WHERE {condition}) AS {name}, sum({key}) FILTER (WHERE {condition}) AS {name}_key"


def names(dimension, keys: list[str]) -> tuple[str, ...]:
    return (str(dimension),) if len(keys) == 1 else (str(dimension), f"{dimension}_name")


def key_select(keys: list[str]) -> str:
    return ", ".join(f"{expression} AS k{n}" for n, expression in enumerate(keys))


def group(keys: list[str]) -> str:
    return ", ".join(str(n + 1) for n in range(len(keys)))


def tally(record, column: str) -> Tally:
    return Tally(int(record[column] or 0), int(record[f"{column}_key"] or 0) % KEY_SPACE)


def tallied_rows(records, width: int, columns: Iterable[str]) -> dict:
    return {tuple(str(r[f"k{n}"]) for n in range(width)): {c: tally(r, c) for c in columns} for r in records}


def holder_args(scope: Scope) -> list:
    return [scope.region, scope.programme_id, scope.period.start, scope.period.end]


async def holders(conn: asyncpg.Connection, scope: Scope, by: HolderDimension) -> Table:
    keys = [key.replace("s.postal_area", "p.postal_area") for key in HOLDER_KEYS[by]]
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT {key_select(keys)},
            {counted("issued", "s.issued_on >= $3")},
            {counted("active", ACTIVE)},
            {counted("revoked", "s.revoked_on BETWEEN $3 AND $4")},
            {counted("renewed", '''EXISTS (SELECT 1 FROM renewals n WHERE n.holder = s.holder
                                           AND n.renewed_on BETWEEN $3 AND $4)''')}
        FROM scoped s JOIN postal p USING (postal_code)
        GROUP BY {group(keys)}""", *holder_args(scope))
    rows = {key: row for key, row in tallied_rows(records, len(keys), HOLDER_COLUMNS).items()
            if any(t.count for t in row.values())}
    return build_table(names(by, keys), HOLDER_COLUMNS, rows)


async def reach(conn: asyncpg.Connection, scope: Scope, by: HolderDimension) -> Table:
    """Active holders in the period, split into those who used the card at least once and the rest."""
    keys = HOLDER_KEYS[by]
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT {key_select(keys)}, {counted("users", "used")}, {counted("non_users", "NOT used")}
        FROM (SELECT s.*, EXISTS (SELECT 1 FROM visits v WHERE v.holder = s.holder AND {USES_IN_SCOPE}) AS used
              FROM active s) s
        GROUP BY {group(keys)}""", *holder_args(scope))
    return build_table(names(by, keys), REACH_COLUMNS, tallied_rows(records, len(keys), REACH_COLUMNS),
                       row_total="holders", parts=REACH_COLUMNS)


async def uses(conn: asyncpg.Connection, scope: Scope, by: UseDimension) -> Table:
    """Visits and their tickets: one holder ticket a visit, plus children's and escorts'."""
    keys = USE_KEYS[by]
    records = await conn.fetch(f"""
        SELECT {key_select(keys)}, {_USE_TALLIES}
        FROM visits v
        LEFT JOIN offers o ON o.offer_id = v.offer_id
        LEFT JOIN venues w ON w.venue_id = v.venue_id
        WHERE {USES_IN_SCOPE} AND ($1::text IS NULL OR v.region = $1)
          AND ($5::text IS NULL OR coalesce(o.municipality, w.municipality) = $5)
        GROUP BY {group(keys)}""",
        scope.region, scope.programme_id, scope.period.start, scope.period.end, scope.municipality)
    return build_table(names(by, keys), USE_COLUMNS, tallied_rows(records, len(keys), USE_COLUMNS),
                       row_total="tickets", parts=USE_COLUMNS)


async def cross_region_uses(conn: asyncpg.Connection, scope: Scope) -> Table:
    """Uses of a card of one region in another; a regional reader sees those touching its region."""
    records = await conn.fetch(f"""
        SELECT v.card_region AS k0, v.region AS k1, {_USE_TALLIES}
        FROM visits v
        WHERE {USES_IN_SCOPE} AND v.card_region <> v.region
          AND ($1::text IS NULL OR v.card_region = $1 OR v.region = $1)
        GROUP BY 1, 2""", scope.region, scope.programme_id, scope.period.start, scope.period.end)
    return build_table(("card_region", "region"), USE_COLUMNS, tallied_rows(records, 2, USE_COLUMNS),
                       row_total="tickets", parts=USE_COLUMNS)


async def quota(conn: asyncpg.Connection, scope: Scope, by: QuotaBy) -> Table:
    """Places offered (offers with a quota, open during the period) and tickets taken on them."""
    keys = ["o.offer_id::text", "o.category"] if by is QuotaBy.offer else ["o.category"]
    records = await conn.fetch(f"""
        WITH taken AS (
            SELECT v.offer_id, count(*) + sum(v.children) + sum(v.escorts) AS tickets,
                   sum((1 + v.children + v.escorts)::bigint * v.record_key) AS tickets_key
            FROM visits v WHERE {USES_IN_SCOPE} GROUP BY 1
        )
        SELECT {key_select(keys)}, sum(o.quota) AS offered, coalesce(sum(t.tickets), 0) AS taken,
               sum(t.tickets_key) AS taken_key
        FROM offers o
        LEFT JOIN taken t USING (offer_id)
        LEFT JOIN offer_withdrawals x USING (offer_id)
        WHERE o.quota IS NOT NULL AND o.category IS NOT NULL
          AND ($1::text IS NULL OR o.region = $1) AND ($5::text IS NULL OR o.municipality = $5)
          AND o.published_on <= $4 AND (o.ends_on IS NULL OR o.ends_on >= $3)
          AND (x.withdrawn_on IS NULL OR x.withdrawn_on >= $3)
        GROUP BY {group(keys)}""",
        scope.region, None, scope.period.start, scope.period.end, scope.municipality)
    dimensions = ("offer", "category") if by is QuotaBy.offer else ("category",)
    table = build_table(dimensions, ("taken",), tallied_rows(records, len(keys), ("taken",)))
    offered = {tuple(str(r[f"k{n}"]) for n in range(len(keys))): r["offered"] for r in records}
    table.figures = {(key, "offered"): offered[key] for key in table.rows}
    table.figures[(TOTALS, "offered")] = sum(offered.values())
    return table


async def rewards(conn: asyncpg.Connection, scope: Scope, by: RewardsBy) -> Table:
    keys = ["r.programme_id"] if by is RewardsBy.programme else [f"coalesce(s.home_region, '{UNKNOWN}')"]
    records = await conn.fetch(f"""
        SELECT {key_select(keys)}, sum(r.rewards) AS rewards, sum(r.rewards::bigint * r.record_key) AS rewards_key
        FROM rewards r LEFT JOIN holders s ON s.card = r.card
        WHERE r.earned_on BETWEEN $3 AND $4 AND ($1::text IS NULL OR s.home_region = $1)
          AND ($2::text IS NULL OR r.programme_id = $2)
        GROUP BY {group(keys)}""", scope.region, scope.programme_id, scope.period.start, scope.period.end)
    return build_table((str(by),), ("rewards",), tallied_rows(records, len(keys), ("rewards",)))


async def cross_tabulation(conn: asyncpg.Connection, scope: Scope, rows: list[Background], columns: OfferSide,
                           measure: CrossTabMeasure) -> Table:
    """Uses (visits) or users (distinct holders) by one or two background dimensions against offer
    category or venue kind. A holder falls in one row, so columns add up; a user may use several
    categories, so users have no row totals."""
    keys = [f"coalesce({HOLDER_KEYS[HolderDimension(b)][0].replace('s.postal_area', 'p.postal_area')}, '{UNKNOWN}')"
            for b in rows]
    records = await conn.fetch(f"""
        WITH postal AS (
            SELECT postal_code,
                   CASE WHEN count(*) >= {SMALLEST_SHOWN} THEN postal_code ELSE '{OTHER_POSTAL_CODES}' END
                       AS postal_area
            FROM holders h
            WHERE ($1::text IS NULL OR h.home_region = $1) AND ($2::text IS NULL OR h.programme_id = $2)
              AND h.issued_on <= $4
            GROUP BY postal_code
        ), by_holder AS (
            SELECT {key_select(keys)}, v.{columns} AS side, v.holder, count(*) AS uses,
                   sum(v.record_key) AS uses_key, min(coalesce(s.record_key, 0)) AS holder_key
            FROM visits v
            LEFT JOIN holders s ON s.holder = v.holder
            LEFT JOIN postal p ON p.postal_code = s.postal_code
            WHERE {USES_IN_SCOPE} AND ($1::text IS NULL OR v.card_region = $1)
            GROUP BY {group(keys)}, v.{columns}, v.holder
        )
        SELECT {", ".join(f"k{n}" for n in range(len(keys)))}, side, sum(uses) AS uses, sum(uses_key) AS uses_key,
               count(*) AS users, sum(holder_key) AS users_key
        FROM by_holder GROUP BY {group(keys)}, side""", *holder_args(scope))
    tallied: dict = {}
    for r in records:
        tallied.setdefault(tuple(r[f"k{n}"] for n in range(len(keys))), {})[r["side"]] = tally(r, str(measure))
    sides = tuple(sorted({r["side"] for r in records}))
    dimensions = tuple(str(b) for b in rows)
    if measure is CrossTabMeasure.uses:
        return build_table(dimensions, sides, tallied, row_total="all", parts=sides)
    return build_table(dimensions, sides, tallied)

"""The figures a coordinator asks for beside the standard tables: how much each card is used, how
soon after issue, how many children the cards reach, and where holders use them. Each counts
holders (their record keys) except tickets, which count visits."""

import asyncpg

from stats.application.figures import (
    HOLDER_KEYS,
    HOLDERS_IN_SCOPE,
    USES_IN_SCOPE,
    VENUE_MUNICIPALITY,
    Scope,
    counted,
    group,
    holder_args,
    key_select,
    names,
    tally,
    tallied_rows,
)
from stats.domain.dimensions import (
    DAYS_TO_FIRST_USE_BANDS,
    NOT_USED,
    USES_PER_CARD_BANDS,
    HolderDimension,
    UsersBy,
    band_name,
)
from stats.domain.perturbation import Tally
from stats.domain.tables import TOTALS, Table, build_table

CHILDREN_COLUMNS = ("holders_with_children", "children", "holders_taking_children", "children_tickets")
_USERS_KEYS = {
    UsersBy.municipality: VENUE_MUNICIPALITY,
    UsersBy.region: "v.region",
    UsersBy.venue_kind: "v.venue_kind",
    UsersBy.category: "v.category",
    UsersBy.programme: "v.programme_id",
}


def _band_case(value: str, bands, otherwise: str | None = None) -> str:
    """SQL naming the band `value` falls in; bands ascend and touch, so each needs only its top
    (and a value below the first band, such as a visit before the card's first day, falls in it)."""
    whens = " ".join(f"WHEN {value} <= {most} THEN '{band_name(least, most)}'" if most is not None
                     else f"WHEN {value} >= {least} THEN '{band_name(least, most)}'" for least, most in bands)
    return f"CASE {whens} ELSE '{otherwise}' END" if otherwise else f"CASE {whens} END"


def _banded(records, bands, *extra: str) -> dict:
    """Every band a row, also those no one falls in: which bands are empty tells no one anything."""
    found = tallied_rows(records, 1, ("holders",))
    return {(name,): found.get((name,), {"holders": Tally(0)})
            for name in [band_name(least, most) for least, most in bands] + list(extra)}


async def uses_per_card(conn: asyncpg.Connection, scope: Scope) -> Table:
    """Active holders in the period by how many uses their card had in it."""
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT {_band_case("uses", USES_PER_CARD_BANDS)} AS k0, {counted("holders")}
        FROM (SELECT s.record_key,
                     (SELECT count(*) FROM visits v WHERE v.holder = s.holder AND {USES_IN_SCOPE}) AS uses
              FROM active s) s
        GROUP BY 1""", *holder_args(scope))
    return build_table(("uses_per_card",), ("holders",), _banded(records, USES_PER_CARD_BANDS))


async def first_use(conn: asyncpg.Connection, scope: Scope) -> Table:
    """Holders issued a card in the period by days from the card's first day to its first use
    (whenever it came), or not used yet."""
    band = _band_case("first_use - s.valid_from", DAYS_TO_FIRST_USE_BANDS, NOT_USED)
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT {band} AS k0, {counted("holders")}
        FROM (SELECT s.record_key, s.valid_from,
                     (SELECT min(v.occurred_on) FROM visits v WHERE v.holder = s.holder
                      AND NOT EXISTS (SELECT 1 FROM cancelled_visits c WHERE c.visit = v.visit)) AS first_use
              FROM scoped s WHERE s.issued_on >= $3) s
        GROUP BY 1""", *holder_args(scope))
    return build_table(("days_to_first_use",), ("holders",), _banded(records, DAYS_TO_FIRST_USE_BANDS, NOT_USED))


async def children(conn: asyncpg.Connection, scope: Scope, by: HolderDimension) -> Table:
    """Active holders with children under 16, their children, the holders who took a child along in
    the period and the children's tickets. The columns count different things: no row totals."""
    keys = HOLDER_KEYS[by]
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT {key_select(keys)},
            {counted("holders_with_children", "s.children_under_16 > 0")},
            sum(s.children_under_16) AS children, sum(s.children_under_16::bigint * s.record_key) AS children_key,
            {counted("holders_taking_children", "s.children_tickets > 0")},
            sum(s.children_tickets) AS children_tickets, sum(s.children_tickets_key) AS children_tickets_key
        FROM (SELECT s.*, t.children_tickets, t.children_tickets_key
              FROM active s
              LEFT JOIN LATERAL (
                  SELECT sum(v.children) AS children_tickets,
                         sum(v.children::bigint * v.record_key) AS children_tickets_key
                  FROM visits v WHERE v.holder = s.holder AND {USES_IN_SCOPE}) t ON true) s
        GROUP BY {group(keys)}""", *holder_args(scope))
    rows = {key: row for key, row in tallied_rows(records, len(keys), CHILDREN_COLUMNS).items()
            if any(t.count for t in row.values())}
    return build_table(names(by, keys), CHILDREN_COLUMNS, rows)


async def users(conn: asyncpg.Connection, scope: Scope, by: UsersBy) -> Table:
    """Holders who used their card in the period, by where they used it: one who used it in two
    municipalities is a user of each, so the rows do not add up; the total counts each once."""
    base = f"""
        FROM visits v
        LEFT JOIN offers o ON o.offer_id = v.offer_id
        LEFT JOIN venues w ON w.venue_id = v.venue_id
        LEFT JOIN holders s ON s.holder = v.holder
        WHERE {USES_IN_SCOPE} AND ($1::text IS NULL OR v.region = $1)"""
    per_row = await conn.fetch(f"""
        SELECT k0, count(*) AS users, sum(holder_key) AS users_key
        FROM (SELECT {_USERS_KEYS[by]} AS k0, v.holder, min(coalesce(s.record_key, 0)) AS holder_key
              {base} GROUP BY 1, 2) u
        GROUP BY 1""", scope.region, scope.programme_id, scope.period.start, scope.period.end)
    everyone = await conn.fetchrow(f"""
        SELECT count(*) AS users, sum(holder_key) AS users_key
        FROM (SELECT v.holder, min(coalesce(s.record_key, 0)) AS holder_key {base} GROUP BY 1) u""",
        scope.region, scope.programme_id, scope.period.start, scope.period.end)
    table = build_table((str(by),), ("users",), tallied_rows(per_row, 1, ("users",)), column_totals=False)
    table.tallies[(TOTALS, "users")] = tally(everyone, "users")
    table.has_totals = True
    return table

"""The welfare indicators of a year (stats.domain.welfare) read from the projection, and the targets
coordinators set for them."""

from dataclasses import dataclass
from datetime import datetime, timezone

import asyncpg

from stats.application.figures import HOLDERS_IN_SCOPE, USES_IN_SCOPE, Scope, holder_args
from stats.domain.perturbation import KEY_SPACE
from stats.domain.tables import Table, build_table
from stats.domain.welfare import COLUMNS, HolderYear, indicators

ALL_PROGRAMMES = ""
"""How a target for every programme of a region is stored."""


@dataclass(frozen=True)
class Target:
    region: str
    programme_id: str | None
    year: int
    newly_active: int
    set_at: datetime


async def welfare(conn: asyncpg.Connection, scope: Scope) -> Table:
    """Active holders of the year (card home region and programme as scoped) by month and age band."""
    year = scope.period.start.year
    records = await conn.fetch(HOLDERS_IN_SCOPE + f"""
        SELECT s.age_band, s.record_key, s.valid_from,
               CASE WHEN NOT s.replacement THEN
                   (SELECT min(v.occurred_on) FROM visits v WHERE v.holder = s.holder
                    AND NOT EXISTS (SELECT 1 FROM cancelled_visits c WHERE c.visit = v.visit)) END AS first_use,
               ARRAY(SELECT DISTINCT extract(month FROM v.occurred_on)::int FROM visits v
                     WHERE v.holder = s.holder AND {USES_IN_SCOPE}) AS months_used
        FROM active s""", *holder_args(scope))
    holders = [HolderYear(r["age_band"], r["record_key"] % KEY_SPACE, r["valid_from"], r["first_use"],
                          frozenset(r["months_used"])) for r in records]
    return build_table(("month", "age_band"), COLUMNS, indicators(year, holders), column_totals=False)


async def set_target(conn: asyncpg.Connection, region: str, programme_id: str | None, year: int,
                     newly_active: int) -> Target:
    """Sets (or replaces) the target of a region, programme (None: all) and year."""
    record = await conn.fetchrow(
        """INSERT INTO welfare_targets (region, programme_id, year, newly_active, set_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (region, programme_id, year) DO UPDATE
           SET newly_active = excluded.newly_active, set_at = excluded.set_at
           RETURNING *""",
        region, programme_id or ALL_PROGRAMMES, year, newly_active, datetime.now(timezone.utc))
    return _target(record)


async def targets(conn: asyncpg.Connection, region: str | None, year: int) -> list[Target]:
    """The targets of a year, of one region or (None) all."""
    records = await conn.fetch(
        "SELECT * FROM welfare_targets WHERE year = $1 AND ($2::text IS NULL OR region = $2) "
        "ORDER BY region, programme_id", year, region)
    return [_target(r) for r in records]


async def target_of(conn: asyncpg.Connection, scope: Scope) -> Target | None:
    """The target an answer of `scope` is measured against: its region's, for its programme or all."""
    if scope.region is None:
        return None
    record = await conn.fetchrow(
        "SELECT * FROM welfare_targets WHERE region = $1 AND programme_id = $2 AND year = $3",
        scope.region, scope.programme_id or ALL_PROGRAMMES, scope.period.start.year)
    return None if record is None else _target(record)


def _target(record) -> Target:
    return Target(record["region"], record["programme_id"] or None, record["year"], record["newly_active"],
                  record["set_at"])

"""The visit writer's statements run on plans made once per connection, planned on the tables as
they were then. Kept for a while (planning a batch costs more than running it), but not for ever:
the visits table grows from empty, and a plan made for an empty table can get slower with every visit."""

import asyncio
import json

import asyncpg
import pytest

from usage.adapters.metrics import UsageMetrics
from usage.application.visit_batches import VisitBatches

pytestmark = pytest.mark.integration

VENUE = "00000000-0000-0000-0000-000000000001"


async def planned_rows(conn: asyncpg.Connection, _visits: list) -> list[float]:
    """Records nothing: answers how many of a venue's visits the writer's plan expects to read."""
    if not await conn.fetchval("SELECT count(*) FROM pg_prepared_statements WHERE name = 'venue_visits'"):
        await conn.execute("PREPARE venue_visits(uuid) AS SELECT count(*) FROM visits WHERE venue_id = $1")
    [plan] = json.loads(await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE venue_visits('{VENUE}')"))
    return [plan["Plan"]["Plans"][0]["Plan Rows"]]


@pytest.fixture
async def visits_table(fresh_database):
    pool = await asyncpg.create_pool(fresh_database, min_size=1, max_size=1)
    # The writer locks the batch's offers before recording; these visits name none.
    await pool.execute("CREATE TABLE offers (offer_id uuid PRIMARY KEY); "
                       "CREATE TABLE visits (visit_id uuid PRIMARY KEY, venue_id uuid NOT NULL); "
                       "CREATE INDEX visits_by_venue ON visits (venue_id)")
    yield pool
    await pool.close()


async def expected_rows_before_and_after_growth(pool: asyncpg.Pool, plans_max_age: float) -> tuple[float, float]:
    writer = VisitBatches(pool, planned_rows, UsageMetrics(), plans_max_age=plans_max_age)
    writer.start()
    try:
        before = await writer.record(None, None)
        await pool.execute("INSERT INTO visits SELECT gen_random_uuid(), gen_random_uuid() "
                           "FROM generate_series(1, 50000)")
        await asyncio.sleep(0.3)
        return before, await writer.record(None, None)
    finally:
        await writer.stop()


async def test_plans_older_than_their_age_are_made_again_on_the_grown_table(visits_table):
    before, after = await expected_rows_before_and_after_growth(visits_table, plans_max_age=0.2)

    assert after > 20 * before


async def test_younger_plans_are_kept(visits_table):
    before, after = await expected_rows_before_and_after_growth(visits_table, plans_max_age=3600)

    assert after == before

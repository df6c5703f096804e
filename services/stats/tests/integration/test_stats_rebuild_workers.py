"""The rebuild's workers fill the fresh tables side by side: a batch that meets another worker's
locks in a deadlock (events of one row on two workers' partitions) is applied again, not lost."""

import asyncio
from datetime import date, datetime, timezone
from uuid import uuid4

import asyncpg
import pytest

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import CardRenewed
from leisure_runtime.consumer import BatchedIdempotentConsumer
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from stats.adapters.rebuild import apply_in_own_transaction

pytestmark = pytest.mark.integration


def renewal_of(card) -> tuple[CloudEventAttributes, CardRenewed]:
    event = CardRenewed(card_id=card, card_number="123456789018", valid_until=date(2027, 1, 1),
                        renewed_at=datetime(2026, 11, 24, tzinfo=timezone.utc))
    return CloudEventAttributes(source="/test", type=event.event_type()), event


async def test_a_batch_that_meets_another_workers_locks_is_applied_again(database_factory):
    url = database_factory("lp_stats_workers")
    pool = await asyncpg.create_pool(url, min_size=2, max_size=2)
    await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
    await pool.execute("CREATE TABLE cards_seen (card uuid PRIMARY KEY)")
    both_hold_their_first, attempts = asyncio.Barrier(2), []

    async def in_batch_order(conn, events) -> None:
        attempts.append(len(events))
        first, *rest = [event.card_id for _, event in events]
        await conn.execute("INSERT INTO cards_seen VALUES ($1) ON CONFLICT DO NOTHING", first)
        if len(attempts) <= 2:
            await both_hold_their_first.wait()
        for card in rest:
            await conn.execute("INSERT INTO cards_seen VALUES ($1) ON CONFLICT DO NOTHING", card)

    projection = BatchedIdempotentConsumer("stats-projection", [], {CardRenewed: in_batch_order})
    x, y = uuid4(), uuid4()
    one, other = [renewal_of(x), renewal_of(y)], [renewal_of(y), renewal_of(x)]
    try:
        async with pool.acquire() as first_worker, pool.acquire() as second_worker:
            applied = await asyncio.gather(apply_in_own_transaction(first_worker, projection, one),
                                           apply_in_own_transaction(second_worker, projection, other))
        assert applied == [[True, True], [True, True]]
        assert len(attempts) == 3  # the one the database chose to break off was applied again
        assert {row["card"] for row in await pool.fetch("SELECT card FROM cards_seen")} == {x, y}
        assert await pool.fetchval("SELECT count(*) FROM processed_events") == 4
    finally:
        await pool.close()

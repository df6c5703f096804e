import asyncio
from uuid import uuid4

import pytest

from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from leisure_runtime.event_store import ConcurrencyConflict, EventStore

pytestmark = pytest.mark.integration
store = EventStore()


async def test_appended_events_load_in_order(pool, renewal):
    card = uuid4()
    async with pool.acquire() as conn:
        await store.append(conn, f"card-{card}", 0, [renewal(card, 1), renewal(card, 2)])
        await store.append(conn, f"card-{card}", 2, [renewal(card, 3)])
        loaded = await store.load(conn, f"card-{card}")
    assert [s.version for s in loaded] == [1, 2, 3]
    assert [s.event for s in loaded] == [renewal(card, 1), renewal(card, 2), renewal(card, 3)]


async def test_a_stale_expected_version_is_a_conflict(pool, renewal):
    card = uuid4()
    async with pool.acquire() as conn:
        await store.append(conn, f"card-{card}", 0, [renewal(card)])
        with pytest.raises(ConcurrencyConflict):
            await store.append(conn, f"card-{card}", 0, [renewal(card)])
        with pytest.raises(ConcurrencyConflict):
            await store.append(conn, f"card-{card}", 5, [renewal(card)])
        assert len(await store.load(conn, f"card-{card}")) == 1


async def test_concurrent_writers_of_the_same_version_one_wins(pool, renewal):
    card = uuid4()

    async def write():
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, f"card-{card}", 0, [renewal(card)])
            await asyncio.sleep(0.2)

    results = await asyncio.gather(write(), write(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ConcurrencyConflict", "NoneType"]
    async with pool.acquire() as conn:
        assert len(await store.load(conn, f"card-{card}")) == 1


async def test_migrations_are_recorded_and_applied_once(pool, renewal):
    assert await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS) == []
    recorded = await pool.fetch("SELECT component, name FROM schema_migrations")
    assert [(r["component"], r["name"]) for r in recorded] == [("runtime", "001_event_store.sql")]


async def test_a_transaction_older_than_the_stream_head_may_not_append(pool, renewal):
    """Transaction ids must rise with versions, or the relay would publish a stream out of order."""
    card = uuid4()
    stream = f"card-{card}"
    async with pool.acquire() as older, pool.acquire() as newer:
        older_transaction = older.transaction()
        await older_transaction.start()
        await older.fetchval("SELECT pg_current_xact_id()")  # the older transaction takes its id first
        async with newer.transaction():
            await store.append(newer, stream, 0, [renewal(card, 1)])
        with pytest.raises(ConcurrencyConflict):
            await store.append(older, stream, 1, [renewal(card, 2)])
        await older_transaction.rollback()
        async with older.transaction():
            await store.append(older, stream, 1, [renewal(card, 2)])
        assert [s.version for s in await store.load(older, stream)] == [1, 2]

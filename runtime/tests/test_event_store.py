import asyncio
from uuid import uuid4

import pytest

from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from leisure_runtime.event_store import ConcurrencyConflict, EventStore, StreamAppend

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
    recorded = await pool.fetch("SELECT component, name FROM schema_migrations ORDER BY version")
    assert [(r["component"], r["name"]) for r in recorded] == [
        ("runtime", "001_event_store.sql"), ("runtime", "002_outbox_parked.sql"), ("runtime", "003_broker_log.sql")]


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



async def stream_rows(conn, stream: str) -> list[tuple[int, int, str]]:
    """(version, position, transaction id) of each event of the stream, by version."""
    rows = await conn.fetch("SELECT version, position, transaction_id::text FROM events WHERE stream_id = $1 "
                            "ORDER BY version", stream)
    return [(r["version"], r["position"], r["transaction_id"]) for r in rows]


async def test_appending_to_many_streams_at_once_keeps_each_streams_order(pool, renewal):
    a, b, c = uuid4(), uuid4(), uuid4()
    async with pool.acquire() as conn:
        await store.append(conn, f"card-{b}", 0, [renewal(b, 1)])
        async with conn.transaction():
            new = await store.append_many(conn, [
                StreamAppend(f"card-{a}", 0, [renewal(a, 1), renewal(a, 2)]),
                StreamAppend(f"card-{b}", 1, [renewal(b, 2), renewal(b, 3), renewal(b, 4)]),
                StreamAppend(f"card-{c}", 0, [renewal(c, 1)]),
            ])
        rows = {card: await stream_rows(conn, f"card-{card}") for card in (a, b, c)}
        loaded_b = await store.load(conn, f"card-{b}")

    assert [n.event for n in new] == [renewal(a, 1), renewal(a, 2), renewal(b, 2), renewal(b, 3), renewal(b, 4),
                                      renewal(c, 1)]
    assert [s.event for s in loaded_b] == [renewal(b, n) for n in (1, 2, 3, 4)]
    appended = rows[a] + rows[b][1:] + rows[c]
    assert [version for version, _, _ in appended] == [1, 2, 2, 3, 4, 1]
    # In the order given, in one transaction: each stream's positions rise with its versions, and
    # the relay, reading by (transaction id, position), keeps every stream's order.
    assert [position for _, position, _ in appended] == sorted(position for _, position, _ in appended)
    assert len({transaction for _, _, transaction in appended}) == 1


async def test_one_stream_moved_on_fails_the_append_to_all(pool, renewal):
    a, b, c = uuid4(), uuid4(), uuid4()
    async with pool.acquire() as conn:
        await store.append(conn, f"card-{b}", 0, [renewal(b, 1), renewal(b, 2)])
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append_many(conn, [StreamAppend(f"card-{a}", 0, [renewal(a)]),
                                           StreamAppend(f"card-{b}", 3, [renewal(b, 4)]),
                                           StreamAppend(f"card-{c}", 0, [renewal(c)])])
        assert (conflict.value.stream_id, conflict.value.expected_version) == (f"card-{b}", 3)
        assert [len(await store.load(conn, f"card-{card}")) for card in (a, b, c)] == [0, 2, 0]


async def test_a_concurrent_writer_of_one_stream_fails_the_append_to_all(pool, renewal):
    """The writer had not committed when the heads were read: its version is taken at insert."""
    a, b, c = uuid4(), uuid4(), uuid4()
    async with pool.acquire() as first, pool.acquire() as second:
        first_transaction = first.transaction()
        await first_transaction.start()
        await store.append(first, f"card-{b}", 0, [renewal(b, 1)])
        async with second.transaction():
            appending = asyncio.create_task(store.append_many(second, [
                StreamAppend(f"card-{a}", 0, [renewal(a)]), StreamAppend(f"card-{b}", 0, [renewal(b, 2)]),
                StreamAppend(f"card-{c}", 0, [renewal(c)])]))
            await asyncio.sleep(0.2)  # the second waits for the first's row of card-b, version 1
            assert not appending.done()
            await first_transaction.commit()
            with pytest.raises(ConcurrencyConflict) as conflict:
                await appending
        assert (conflict.value.stream_id, conflict.value.expected_version) == (f"card-{b}", 0)
        assert [len(await store.load(first, f"card-{card}")) for card in (a, b, c)] == [0, 1, 0]


async def test_a_transaction_older_than_one_streams_head_may_append_to_none(pool, renewal):
    a, b = uuid4(), uuid4()
    async with pool.acquire() as older, pool.acquire() as newer:
        older_transaction = older.transaction()
        await older_transaction.start()
        await older.fetchval("SELECT pg_current_xact_id()")  # the older transaction takes its id first
        async with newer.transaction():
            await store.append(newer, f"card-{b}", 0, [renewal(b, 1)])
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append_many(older, [StreamAppend(f"card-{a}", 0, [renewal(a)]),
                                            StreamAppend(f"card-{b}", 1, [renewal(b, 2)])])
        assert conflict.value.stream_id == f"card-{b}"
        await older_transaction.rollback()
        assert [len(await store.load(older, f"card-{card}")) for card in (a, b)] == [0, 1]


async def test_a_stream_appears_once_in_an_append_to_many(pool, renewal):
    card = uuid4()
    async with pool.acquire() as conn:
        with pytest.raises(ValueError):
            await store.append_many(conn, [StreamAppend(f"card-{card}", 0, [renewal(card, 1)]),
                                           StreamAppend(f"card-{card}", 1, [renewal(card, 2)])])
        assert await store.load(conn, f"card-{card}") == []


async def test_two_migrations_with_one_version_are_refused_before_either_runs(pool, tmp_path):
    (tmp_path / "001_first.sql").write_text("CREATE TABLE first_of_two (id integer)")
    (tmp_path / "001_second.sql").write_text("CREATE TABLE second_of_two (id integer)")
    with pytest.raises(ValueError, match="001_first.sql.*001_second.sql"):
        await apply_migrations(pool, "twins", tmp_path)
    assert await pool.fetchval("SELECT to_regclass('first_of_two')") is None

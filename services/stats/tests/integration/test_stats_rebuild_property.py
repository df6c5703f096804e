"""Property: on any event history, the projection built incrementally — in publication order, in
batches of any size, with redeliveries and a full republish — equals a rebuild that reads the
topics' partitions interleaved differently, through the rebuild's own table swap; and so every
answer, perturbation included, is the same asked again and after the rebuild."""

import random
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leisure_contracts.envelope import CloudEventAttributes
from stats.adapters import rebuild
from stats.adapters.answers import answer
from stats.adapters.projection import TABLES, create_projection
from stats.application import coordinator, figures
from stats.application.figures import Scope
from stats.domain.dimensions import Background, CrossTabMeasure, HolderDimension, OfferSide, RewardsBy, UseDimension
from stats.domain.period import Period
from stats.settings import StatsSettings

from .conftest import empty_projection

pytestmark = pytest.mark.integration
LIVE = "stats-projection"
SETTINGS = StatsSettings(service_name="stats", holder_hash_key="property-test-holder-hash-key-0123456789",
                         record_key_secret="property-test-record-key-secret-0123456789",
                         consumer_batch_size=500, projection_name=LIVE)


def make_history(world, seed: int, size: int) -> list:
    """Publication order: cards, venues and offers first appear before they are used."""
    rng = random.Random(seed)
    clock = datetime(2016, 1, 1, tzinfo=timezone.utc)
    cards, venues, offers, visits, events = [], [], [], [], []
    for _ in range(size):
        clock += timedelta(hours=rng.randrange(1, 60))
        day = clock.date()
        roll = rng.random()
        if roll < 0.2 or not cards:
            cards.append(world.card(day, day + timedelta(days=rng.choice([30, 200, 365])),
                                    age_band=rng.choice(["18_24", "25_34", "65_74"]),
                                    gender=rng.choice(["female", "male"]), postal_code=rng.choice(["02100", "00100"])))
            events.append(cards[-1])
        elif roll < 0.3 or not offers:
            venue = world.venue(rng.choice(["theatre", "gym"]), rng.choice(["Espoo", "Turku"]),
                                rng.choice([world.region, world.other_region]))
            offers.append(world.offer(venue, rng.choice(["culture", "sport"]), rng.choice([None, 5, 40])))
            venues.append(venue)
            events += [venue, offers[-1]]
        elif roll < 0.7:
            visit = world.visit(rng.choice(cards), rng.choice(offers), day, children=rng.randrange(3),
                                escort=rng.random() < 0.2)
            visits.append(visit)
            events.append(visit)
        elif roll < 0.78 and visits:
            events.append(world.cancellation(visits.pop(rng.randrange(len(visits))), day))
        elif roll < 0.86:
            events.append(world.renewal(rng.choice(cards), day, day + timedelta(days=365)))
        elif roll < 0.9:
            events.append(world.revocation(rng.choice(cards), day))
        elif roll < 0.93:
            events.append(world.renaming(rng.choice(venues), f"Renamed {rng.randrange(9)}", day))
        else:
            events.append(world.reward(rng.choice(cards), day))
    return [(CloudEventAttributes(id=uuid4(), source="/test", type=e.event_type(), time=clock), e) for e in events]


def batches(items: list, rng: random.Random) -> list[list]:
    cut, result = 0, []
    while cut < len(items):
        size = rng.randrange(1, 40)
        result.append(items[cut:cut + size])
        cut += size
    return result


def partition_interleaving(history: list, rng: random.Random) -> list:
    """Each (topic, key) keeps its order, as a partition does; partitions are read in any mix."""
    partitions: dict = {}
    for attributes, event in history:
        partitions.setdefault((event.event_topic, event.key()), []).append((attributes, event))
    queues, order = list(partitions.values()), []
    while queues:
        queue = rng.choice(queues)
        order.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return order


async def snapshot(conn) -> dict:
    return {table: [tuple(r) for r in await conn.fetch(f"SELECT t.* FROM {table} t ORDER BY t::text")]
            for table in TABLES}


async def answers_of(conn, world) -> list:
    """Published answers of the history's year and its first quarter, as the API gives them."""
    answers = []
    for period in (Period.of_year(2016), Period.choose(year=2016, quarter=1)):
        scope = Scope(period, world.region)
        for table in [await figures.holders(conn, scope, HolderDimension.gender),
                      await figures.reach(conn, scope, HolderDimension.age_band),
                      await figures.uses(conn, scope, UseDimension.month),
                      await figures.rewards(conn, scope, RewardsBy.programme),
                      await figures.cross_tabulation(conn, scope, [Background.gender], OfferSide.category,
                                                     CrossTabMeasure.users),
                      await coordinator.uses_per_card(conn, scope), await coordinator.children(
                          conn, scope, HolderDimension.programme)]:
            answers.append(answer("any", table, scope).model_dump())
    return answers


async def index_definitions(conn) -> list[str]:
    """What every index of the projection's tables and the applied-events record covers, names aside."""
    return sorted(row["definition"] for row in await conn.fetch(
        """SELECT regexp_replace(pg_get_indexdef(indexrelid), '^CREATE (UNIQUE )?INDEX \\S+', 'CREATE \\1INDEX')
                  AS definition
           FROM pg_index JOIN pg_class ON pg_class.oid = indrelid
           WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1)""", [*TABLES, "processed_events"]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), size=st.integers(1, 120))
async def test_rebuild_equals_incremental_whatever_is_redelivered(projection_database, world, seed, size):
    rng = random.Random(seed)
    history = make_history(world, seed, size)
    async with projection_database.acquire() as conn:
        await empty_projection(conn)

        live = create_projection(SETTINGS)
        delivered = []
        for batch in batches(history, rng):
            redelivered = rng.sample(delivered, min(len(delivered), rng.randrange(4)))
            async with conn.transaction():
                await live.apply_batch(conn, redelivered + batch)
            delivered += batch
        for batch in batches(history, rng):  # the broker lost its log; the relays republished all
            async with conn.transaction():
                assert not any(await live.apply_batch(conn, batch))
        incremental = await snapshot(conn)
        answered = await answers_of(conn, world)
        assert await answers_of(conn, world) == answered
        others_applied = uuid4()
        await conn.execute("INSERT INTO processed_events (consumer, event_id) VALUES ('another-consumer', $1)",
                           others_applied)
        indexes = await index_definitions(conn)

        deferred_indexes = await rebuild.prepare_fresh_tables(conn)
        rebuilt_by = create_projection(SETTINGS)
        interleaved = batches(partition_interleaving(history, rng), rng)
        for n, batch in enumerate(interleaved):
            if n == len(interleaved) // 2:
                await rebuild.build_deferred_indexes(conn, deferred_indexes)  # as if events came during the build
            async with conn.transaction():
                await rebuilt_by.apply_batch(conn, batch)
        async with conn.transaction():
            await rebuild.switch_over(conn, LIVE)
        await conn.execute("RESET search_path")
        assert await snapshot(conn) == incremental
        assert await answers_of(conn, world) == answered
        assert await index_definitions(conn) == indexes
        assert await conn.fetchval("SELECT event_id FROM processed_events WHERE consumer = 'another-consumer'") \
            == others_applied
        assert await conn.fetchval("SELECT count(DISTINCT event_id) FROM processed_events WHERE consumer = $1",
                                   LIVE) == len(history)

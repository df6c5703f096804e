"""Rebuild through the real broker: `python -m stats.rebuild` reads every topic from the beginning
into fresh tables and switches over while the service runs; the tables come out identical to the
incrementally built ones (record keys included, so every answer is perturbed the same), republished
events change nothing, and the live projection goes on."""

import asyncio
import os
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from leisure_contracts.events import CardIssued
from leisure_infra.brokers import create_platform_topics, start_broker
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.adapters.projection import TABLES
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import HolderDimension, UseDimension
from stats.domain.period import Period
from stats.domain.perturbation import possible

pytestmark = pytest.mark.integration
NATIONAL = bearer(Role.stats_reader, "reader-national", national=True)


@pytest.fixture(scope="module")
async def kafka_broker(tmp_path_factory):
    """A broker of this module's own: a rebuild reads whole topics, and the comparison is of this
    history alone, not of whatever earlier tests of the run left on the shared topics."""
    broker = start_broker(os.environ.get("LEISURE_TEST_BROKER", "tansu"), tmp_path_factory.mktemp("rebuild-broker"))
    try:
        await create_platform_topics(broker.bootstrap_servers)
        yield broker
    finally:
        broker.stop()


async def snapshot(pool) -> dict:
    return {table: [tuple(r) for r in await pool.fetch(f"SELECT t.* FROM {table} t ORDER BY t::text")]
            for table in TABLES}


async def caught_up(app) -> bool:
    progress = app.state.freshness.consumer.progress
    return progress is not None and progress.records_behind == 0


def year_of(world):
    cards = [world.card(date(2016, 3, 1), date(2016, 12, 31), gender=g) for g in ["female"] * 6 + ["male"] * 3]
    hall = world.venue("gym", "Vantaa", world.region)
    gym = world.offer(hall, "sport", quota=50)
    visits = [world.visit(card, gym, date(2016, 4, 1 + n)) for n, card in enumerate(cards) for _ in range(2)]
    return [*cards, hall, gym, *visits, world.cancellation(visits[0], date(2016, 4, 2)),
            world.revocation(cards[1], date(2016, 8, 1)),
            world.renewal(cards[2], date(2016, 12, 1), date(2017, 12, 31)),
            world.reward(cards[3], date(2016, 9, 9))]


async def counted(app, world, figure: str, column: str) -> int:
    """A total of 2016 before perturbation, straight from the projection."""
    scope = Scope(Period.of_year(2016), world.region)
    async with app.state.pool.acquire() as conn:
        if figure == "uses":
            table = await figures.uses(conn, scope, UseDimension.category)
        else:
            table = await figures.holders(conn, scope, HolderDimension.programme)
    return table.counts[((), column)]


async def figures_of(client, world) -> list:
    answers = []
    for path, params in [("holders", {"by": "gender"}), ("reach", {}), ("uses", {"by": "month"}), ("quota", {}),
                         ("cross-tabulation", {"rows": ["gender"], "measure": "users"}), ("rewards", {}),
                         ("uses-per-card", {}), ("first-use", {}), ("children", {}), ("users", {})]:
        response = await client.get(f"/v1/figures/{path}", params={"year": 2016, "region": world.region} | params,
                                    headers=NATIONAL)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


async def test_rebuild_equals_incremental_and_the_live_projection_goes_on(
    stats_service, world, publish_in_batches, wait_for, kafka_broker
):
    app, client = stats_service
    events = year_of(world)
    sent = await publish_in_batches(events)
    await publish_in_batches(events[:10], attributes=sent[:10])  # a republish: same ids, new offsets

    async def all_applied():
        return await counted(app, world, "uses", "visits") == 17 and await caught_up(app)

    await wait_for(all_applied)
    before, answers_before = await snapshot(app.state.pool), await figures_of(client, world)
    assert answers_before[1]["total"]["users"]["value"] in possible(9)
    assert await figures_of(client, world) == answers_before  # asked again: the same perturbation

    settings = app.state.settings
    environment = {**os.environ, "STATS_DATABASE_URL": settings.database_url,
                   "STATS_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
                   "STATS_PROJECTION_NAME": settings.projection_name}
    rebuild = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "stats.rebuild", env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(rebuild.communicate(), 60)
    assert rebuild.returncode == 0, output.decode()
    assert "rebuilt from" in output.decode()

    assert await snapshot(app.state.pool) == before
    assert await figures_of(client, world) == answers_before
    assert await app.state.pool.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = 'stats_rebuild'") == 0

    # The live projection goes on on the new tables, and what the rebuild applied stays applied once.
    late = world.card(date(2016, 10, 1), date(2016, 12, 31))
    await publish_in_batches([late])
    await publish_in_batches(events, attributes=sent)

    async def late_card_counted():
        return await counted(app, world, "holders", "issued") == 10 and await caught_up(app)

    await wait_for(late_card_counted)
    after = await snapshot(app.state.pool)
    assert len(after["holders"]) == len(before["holders"]) + 1
    assert {t: rows for t, rows in after.items() if t != "holders"} == \
           {t: rows for t, rows in before.items() if t != "holders"}
    assert await app.state.pool.fetchval(
        "SELECT count(*) FROM processed_events WHERE consumer <> $1", settings.projection_name) == 0


async def test_ready_fails_when_the_projection_is_far_behind(stats_service):
    app, client = stats_service
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["projection"] == "ok"

    consumer = app.state.freshness.consumer
    caught_up_progress = consumer.progress
    consumer.progress = type(caught_up_progress)(datetime.now(timezone.utc) - timedelta(hours=1), 5000)
    try:
        not_ready = await client.get("/ready")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["projection"] == "failing"
        metrics = (await client.get("/metrics")).text
        [line] = [m for m in metrics.splitlines() if m.startswith("leisure_stats_projection_behind_seconds ")]
        assert 3590 < float(line.split()[1]) < 3700
    finally:
        consumer.progress = caught_up_progress


async def test_the_walking_skeleton_answer_keeps_its_shape(stats_service, world, publish_in_batches, wait_for):
    _, client = stats_service
    await publish_in_batches([world.card(date(2016, 3, 1), date(2016, 12, 31)) for _ in range(5)])
    reader = bearer(Role.stats_reader, "reader-1", region=world.region)

    async def five():
        rows = (await client.get("/v1/holders", headers=reader)).json()
        # Five is always published as five (the perturbation table's row for 5).
        return rows == [{"region": world.region, "programme_id": world.programme, "issued": {"value": 5}}]

    await wait_for(five)
    assert CardIssued.event_type() == "fi.leisurepass.card.issued.v1"

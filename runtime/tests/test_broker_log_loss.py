"""A broker that loses its log is noticed (/ready, the metric, the log), and the republish
command puts the service's events back and clears the loss. Tansu keeps its log in memory, so
stopping and starting it is a real loss."""

import asyncio
import subprocess
import sys
from uuid import uuid4

import pytest

from leisure_contracts.topics import Topic
from leisure_infra.brokers import create_platform_topics
from leisure_infra.kafka_testing import read_topic
from leisure_infra.service_testing import eventually, running_app, settings_for_test
from leisure_infra.tansu import TansuBroker
from leisure_runtime import republish
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.event_store import EventStore

pytestmark = pytest.mark.integration
EVENTS = 12


@pytest.fixture
async def own_broker(tmp_path):
    broker = TansuBroker(tmp_path).start()
    try:
        await create_platform_topics(broker.bootstrap_servers)
        yield broker
    finally:
        broker.stop()


def probe_app(database_url: str, bootstrap_servers: str, check_interval: float = 0.2):
    settings = settings_for_test("probe", database_url, bootstrap_servers, idempotent=False,
                                 relay_check_interval_seconds=check_interval)
    return create_service_app(ServiceDefinition(settings=settings, title="probe", description="probe"))


async def ids_on_topic(bootstrap_servers: str) -> set[str]:
    return {r.header("ce_id").decode() for r in await read_topic(bootstrap_servers, Topic.CARDS.value)}


async def readiness(client) -> tuple[int, str]:
    ready = await client.get("/ready")
    return ready.status_code, ready.json()["checks"]["broker_log"]


async def lost_partitions(client) -> float:
    for line in (await client.get("/metrics")).text.splitlines():
        if line.startswith("leisure_broker_log_lost_partitions "):
            return float(line.split()[1])
    raise AssertionError("leisure_broker_log_lost_partitions is not exported")


async def test_a_lost_log_is_noticed_and_the_republish_command_repairs_it(
    database_factory, own_broker, renewal, monkeypatch, capsys
):
    database_url = database_factory()
    app = probe_app(database_url, own_broker.bootstrap_servers)
    async with running_app(app) as client:
        card = uuid4()
        async with app.state.pool.acquire() as conn, conn.transaction():
            stored = await EventStore().append(conn, f"card-{card}", 0, [renewal(card, n) for n in range(EVENTS)])
        ids = {str(event.event_id) for event in stored}
        await eventually(lambda: _published(own_broker, ids))
        await eventually(lambda: app.state.pool.fetchval(
            "SELECT count(*) > 0 FROM broker_end_offsets WHERE topic = $1 AND end_offset > 0", Topic.CARDS.value))
        assert await readiness(client) == (200, "ok")
        assert await lost_partitions(client) == 0

        # The broker restarts with an empty log; the operator's init job creates the topics again.
        own_broker.stop()
        own_broker.start()
        await create_platform_topics(own_broker.bootstrap_servers)
        assert await ids_on_topic(own_broker.bootstrap_servers) == set()

        await eventually(lambda: _not_ready_for_loss(client))
        assert await lost_partitions(client) >= 1

        monkeypatch.setenv("PROBE_DATABASE_URL", database_url)
        monkeypatch.setenv("PROBE_KAFKA_BOOTSTRAP_SERVERS", own_broker.bootstrap_servers)
        monkeypatch.setenv("PROBE_KAFKA_IDEMPOTENT_PRODUCER", "false")
        assert await asyncio.to_thread(republish.main, "probe", ["--from", "0"]) == 0
        assert f"published {EVENTS} events again from 0" in capsys.readouterr().out

        assert ids <= await ids_on_topic(own_broker.bootstrap_servers)
        await eventually(lambda: _ready_again(client))
        assert await lost_partitions(client) == 0


async def test_a_loss_is_noticed_after_the_log_grew_past_its_old_end_again(database_factory, own_broker, renewal):
    # Checks only when the test says so: the first, at start, finds nothing published yet.
    app = probe_app(database_factory(), own_broker.bootstrap_servers, check_interval=3600)
    async with running_app(app):
        watch = app.state.broker_log
        card = uuid4()
        await append_and_wait(app, own_broker, card, 0, renewal, 5)
        assert await watch.check() == []
        await append_and_wait(app, own_broker, card, 5, renewal, 5)
        assert await watch.check() == []  # ordinary publishing between checks is no loss

        own_broker.stop()
        own_broker.start()
        await create_platform_topics(own_broker.bootstrap_servers)
        # More than was lost, a batch at a time: the end offset grows past its old value (Tansu
        # reports a partition's end as its last batch's first offset + 1).
        for version in range(10, 22):
            await append_and_wait(app, own_broker, card, version, renewal, 1)

        [loss] = await watch.check()
        assert loss.topic == Topic.CARDS.value and loss.end_offset_found < loss.end_offset_seen
        assert watch.lost_partitions == 1


async def append_and_wait(app, broker, card, version: int, renewal, count: int) -> None:
    async with app.state.pool.acquire() as conn, conn.transaction():
        stored = await EventStore().append(conn, f"card-{card}", version,
                                           [renewal(card, n) for n in range(version, version + count)])
    await eventually(lambda: _published(broker, {str(event.event_id) for event in stored}))


async def _published(broker, ids: set[str]) -> bool:
    return ids <= await ids_on_topic(broker.bootstrap_servers)


async def _not_ready_for_loss(client) -> bool:
    return await readiness(client) == (503, "lost")


async def _ready_again(client) -> bool:
    return await readiness(client) == (200, "ok")


async def test_republish_from_a_time_starts_at_the_first_event_recorded_then(database_factory, own_broker, renewal):
    database_url = database_factory()
    app = probe_app(database_url, own_broker.bootstrap_servers)
    async with running_app(app) as client:
        card = uuid4()
        store = EventStore()
        async with app.state.pool.acquire() as conn, conn.transaction():
            await store.append(conn, f"card-{card}", 0, [renewal(card, n) for n in range(3)])
        later = await app.state.pool.fetchval("SELECT clock_timestamp()")
        async with app.state.pool.acquire() as conn, conn.transaction():
            appended = await store.append(conn, f"card-{card}", 3, [renewal(card, n) for n in range(3, 5)])
        # Once the relay has published them, no transaction that began earlier is still running.
        await eventually(lambda: _published(own_broker, {str(event.event_id) for event in appended}))
        published, cleared = await republish.republish(app.state.settings, later)
        assert (published, cleared) == (2, 0)
        assert (await client.get("/health")).status_code == 200


@pytest.mark.parametrize("argument", ["yesterday", "2026-11-30T08:00:00"])
def test_republish_refuses_a_start_it_cannot_read(argument, capsys):
    with pytest.raises(SystemExit) as exit_:
        republish.main("probe", ["--from", argument])
    assert exit_.value.code == 2
    assert "--from" in capsys.readouterr().err


@pytest.mark.parametrize("service", ["issuance", "venues", "usage"])
def test_each_publishing_service_has_its_republish_command(service):
    shown = subprocess.run([sys.executable, "-m", f"{service}.republish", "--help"], capture_output=True, text=True,
                           check=True)
    assert f"python -m {service}.republish" in shown.stdout
    assert f"Publish {service}'s stored events again" in shown.stdout

"""Usage answers before its consumers have joined their group, and stays ready while the broker is
paused: a visit is decided on usage's own database and its event waits in the outbox."""

import os
import signal

import pytest

from leisure_contracts.topics import Topic
from leisure_infra.brokers import create_platform_topics
from leisure_infra.kafka_testing import read_topic
from leisure_infra.service_testing import eventually, publish_events, running_app, settings_for_test
from leisure_infra.tansu import TansuBroker
from usage.main import create_app
from usage.settings import UsageSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_broker(tmp_path):
    """A broker of this test's own, to pause."""
    broker = TansuBroker(tmp_path).start()
    paused = []
    try:
        await create_platform_topics(broker.bootstrap_servers)
        yield broker, paused
    finally:
        if paused:
            os.kill(broker.pid, signal.SIGCONT)
        broker.stop()


def pause(broker, paused: list) -> None:
    os.kill(broker.pid, signal.SIGSTOP)
    paused.append(True)


def resume(broker, paused: list) -> None:
    os.kill(broker.pid, signal.SIGCONT)
    paused.clear()


async def test_usage_answers_while_the_broker_is_paused_from_the_start(database_factory, own_broker):
    broker, paused = own_broker
    settings = UsageSettings.of(settings_for_test("usage", database_factory("usage"), broker.bootstrap_servers,
                                                  idempotent=False))
    pause(broker, paused)
    app = create_app(settings)
    # The lifespan returns (the port would open) although no consumer can join a group now.
    async with running_app(app, wait_for_consumers=False) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok"}
        informational = ready.json()["informational"]
        assert informational["broker"] == "failing"
        assert informational["consumers"] == "starting"
        assert not app.state.consumers.done()

        resume(broker, paused)
        await eventually(lambda: _consumers_running(client))


async def _consumers_running(client) -> bool:
    body = (await client.get("/ready")).json()
    return body["informational"]["consumers"] == "running" and body["informational"]["broker"] == "ok"


async def test_a_visit_is_recorded_during_a_broker_pause_and_published_after_it(
    database_factory, own_broker, issued_card, published_offer, staff, visit_body
):
    broker, paused = own_broker
    settings = UsageSettings.of(settings_for_test("usage", database_factory("usage"), broker.bootstrap_servers,
                                                  idempotent=False))
    card, offer = issued_card(), published_offer()
    app = create_app(settings)
    async with running_app(app) as client:
        await publish_events(broker.bootstrap_servers, [card, offer])
        await eventually(lambda: _knows(app, 2))

        pause(broker, paused)
        ready = await client.get("/ready")
        assert ready.status_code == 200 and ready.json()["informational"]["broker"] == "failing"
        recorded = await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer))
        assert recorded.status_code == 201, recorded.text

        resume(broker, paused)
        visit_id = recorded.json()["visit"]["visit_id"]

        async def published():
            records = await read_topic(broker.bootstrap_servers, Topic.VISITS.value)
            return any(visit_id in record.value.decode() for record in records)

        await eventually(published)


async def _knows(app, count: int) -> bool:
    return await app.state.pool.fetchval(
        "SELECT count(*) FROM processed_events WHERE consumer = $1", app.state.settings.read_model_consumer) >= count

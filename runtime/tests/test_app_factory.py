"""The app factory: readiness follows the database and the broker; logs carry the request id; an event
too large is refused, or, if the broker refuses one, reported without stopping the others."""

import json
import logging
import re
from uuid import uuid4

import asyncpg
import pytest
from fastapi import APIRouter, Request

from leisure_contracts.asyncapi import ASYNCAPI_FILE
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import eventually, running_app, settings_for_test
from leisure_infra.tansu import TansuBroker
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from leisure_runtime.event_store import EventStore
from leisure_runtime.logging import get_logger

pytestmark = pytest.mark.integration
probe = APIRouter()


@probe.get("/v1/probe/{item_id}")
async def probe_route(item_id: str) -> dict:
    get_logger("probe").info("probing", item=item_id)
    return {"item": item_id}


@probe.post("/v1/probe/venues")
async def register_venue(request: Request, address_length: int) -> dict:
    """Records a venue whose street address is `address_length` characters long, with no limit of its own."""
    venue = request.app.state.venue_registered(uuid4(), "x" * address_length)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await request.app.state.event_store.append(conn, f"venue-{venue.venue_id}", 0, [venue])
    return {"venue_id": str(venue.venue_id)}


def app_for(database_url: str, bootstrap_servers: str, **settings_changes):
    settings = settings_for_test("probe", database_url, bootstrap_servers, idempotent=False, **settings_changes)
    return create_service_app(ServiceDefinition(settings=settings, title="probe", description="probe",
                                                routers=[probe]))


async def test_ready_answers_503_naming_what_is_unreachable(database_factory, postgres_server, tmp_path):
    database_url = database_factory()
    with TansuBroker(tmp_path) as broker:
        async with running_app(app_for(database_url, broker.bootstrap_servers)) as client:
            ready = await client.get("/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "broker_log": "ok"}

            broker.kill()
            not_ready = await client.get("/ready")
            assert not_ready.status_code == 503
            # Unreachable is not lost: the log is judged only when the broker answers.
            assert not_ready.json()["checks"] == {"database": "ok", "broker": "failing", "broker_log": "ok"}
            assert (await client.get("/health")).status_code == 200


async def test_database_loss_makes_the_service_not_ready(database_factory, postgres_server, kafka_broker):
    database_url = database_factory()
    async with running_app(app_for(database_url, kafka_broker.bootstrap_servers)) as client:
        assert (await client.get("/ready")).status_code == 200
        postgres_server.drop_database(database_url.rsplit("/", 1)[-1].split("?")[0])
        not_ready = await client.get("/ready")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["database"] == "failing"


async def test_every_log_line_of_a_request_carries_its_id_and_metrics_use_the_route_template(
    database_factory, kafka_broker, capsys
):
    try:
        async with running_app(app_for(database_factory(), kafka_broker.bootstrap_servers)) as client:
            capsys.readouterr()
            response = await client.get("/v1/probe/42", headers={"X-Request-ID": "req-123"})
            assert response.headers["x-request-id"] == "req-123"
            lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
            probing = [line for line in lines if line.get("message") == "probing"]
            assert probing and probing[0]["request_id"] == "req-123"
            assert probing[0]["service"] == "probe" and probing[0]["level"] == "info"

            generated = (await client.get("/v1/probe/43")).headers["x-request-id"]
            assert generated and generated != "req-123"

            # An id that is not printable ASCII is not echoed or logged: a fresh one is made.
            unreadable = await client.get("/v1/probe/44", headers={"X-Request-ID": b"caf\xe9 \xff"})
            assert unreadable.status_code == 200
            assert re.fullmatch("[0-9a-f]{32}", unreadable.headers["x-request-id"])

            metrics = (await client.get("/metrics")).text
            assert 'leisure_http_requests_total{method="GET",route="/v1/probe/{item_id}",status="200"} 3.0' in metrics
            assert "/v1/probe/42" not in metrics
    finally:
        logging.getLogger().handlers = []


async def test_an_event_over_the_limit_is_refused_with_413_and_ready_shows_the_outbox(
    database_factory, kafka_broker, venue_registered
):
    app = app_for(database_factory(), kafka_broker.bootstrap_servers, event_max_bytes=4096)
    app.state.venue_registered = venue_registered
    async with running_app(app) as client:
        assert (await client.post("/v1/probe/venues", params={"address_length": 3000})).status_code == 200
        refused = await client.post("/v1/probe/venues", params={"address_length": 5000})
        assert refused.status_code == 413
        assert refused.json()["code"] == "event_too_large"
        assert "more than the 4,096 an event may have" in refused.json()["detail"]
        assert await app.state.pool.fetchval("SELECT count(*) FROM events") == 1
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["outbox"] == {"parked_events": 0, "parked_keys": 0}


async def test_an_event_the_broker_refuses_shows_in_ready_and_metrics_and_later_events_still_go_out(
    database_factory, kafka_broker, venue_registered, read_topic
):
    database_url = database_factory()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
    stuck = venue_registered(uuid4(), "x" * 1_100_000)  # over the producer's and the broker's 1 MiB
    async with pool.acquire() as conn, conn.transaction():
        await EventStore(max_event_bytes=10**8).append(conn, f"venue-{stuck.venue_id}", 0, [stuck])
    await pool.close()

    app = app_for(database_url, kafka_broker.bootstrap_servers)
    app.state.venue_registered = venue_registered
    async with running_app(app) as client:
        later = (await client.post("/v1/probe/venues", params={"address_length": 10})).json()["venue_id"]

        async def published() -> bool:
            keys = {record.key for record in await read_topic(Topic.VENUES.value)}
            return later.encode() in keys

        await eventually(published)
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["outbox"] == {"parked_events": 1, "parked_keys": 1}
        metrics = (await client.get("/metrics")).text
        assert 'leisure_outbox_undeliverable_events_total{type="fi.leisurepass.venue.registered.v1"} 1.0' in metrics
        assert "leisure_outbox_parked_events 1.0" in metrics
        assert "leisure_outbox_backlog_events 1.0" in metrics
    assert str(stuck.venue_id).encode() not in {record.key for record in await read_topic(Topic.VENUES.value)}


async def test_every_service_serves_the_asyncapi_document(database_factory, kafka_broker):
    async with running_app(app_for(database_factory(), kafka_broker.bootstrap_servers)) as client:
        answer = await client.get("/asyncapi.yaml")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/yaml")
    assert answer.text == ASYNCAPI_FILE.read_text()
    assert "asyncapi: 3.0.0" in answer.text

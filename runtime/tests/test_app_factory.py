"""The app factory: readiness follows the database and the broker; logs carry the request id."""

import json
import logging
import re

import pytest
from fastapi import APIRouter

from leisure_infra.service_testing import running_app, settings_for_test
from leisure_infra.tansu import TansuBroker
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.logging import get_logger

pytestmark = pytest.mark.integration
probe = APIRouter()


@probe.get("/v1/probe/{item_id}")
async def probe_route(item_id: str) -> dict:
    get_logger("probe").info("probing", item=item_id)
    return {"item": item_id}


def app_for(database_url: str, bootstrap_servers: str):
    settings = settings_for_test("probe", database_url, bootstrap_servers, idempotent=False)
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

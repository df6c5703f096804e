"""Each service's API fuzzed by schemathesis from its own OpenAPI: the app served by uvicorn on a
loopback port (in a thread with its own event loop, as in production) on a fresh database and the
test broker, called with tokens of the roles its routes take."""

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping

import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from leisure_infra.ports import HOST, free_port
from leisure_infra.service_testing import settings_for_test

EXAMPLES_PER_OPERATION = 50
"""Bounded and seeded (derandomised): the same cases on every run, about a minute for all four services."""

FUZZ_SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck), print_blob=True)


def call_and_check(case, base_url: str, headers: dict[str, str], known: Mapping[str, str] = {}) -> None:
    """Send the case with the token's headers and check the answer. Path parameters and top-level
    body fields named in `known` get those values (ids of what the test made), so that generated
    requests reach an existing venue, offer or programme instead of stopping at a 404 or 403."""
    case.path_parameters = {name: known.get(name, value) for name, value in (case.path_parameters or {}).items()}
    if isinstance(case.body, dict):
        case.body = {name: known.get(name, value) if isinstance(value, str) else value
                     for name, value in case.body.items()}
    case.call_and_validate(base_url=base_url, headers=headers, checks=[not_a_server_error, response_schema_conformance])


def fuzz_settings(service: str, database_factory, kafka_broker):
    return settings_for_test(service, database_factory(f"lp_fuzz_{service}"), kafka_broker.bootstrap_servers,
                             kafka_broker.supports_idempotence)


@contextlib.contextmanager
def served(app: FastAPI, timeout: float = 60) -> Iterator[str]:
    """The app served on a free loopback port for the block; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, name="fuzzed-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service under test did not start; see its log above")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


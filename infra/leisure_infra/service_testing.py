"""What a service's integration tests need: the service's app running in the test's event loop on
a fresh database and the real broker, tokens for every role, and other services' events put on
their topics exactly as those services' relays would."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timezone
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes
from leisure_infra.kafka_testing import TEST_CONSUMER_SETTINGS
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

LOCAL_AUTH = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)

# Environment variables (after the service's prefix) that make a service quick to test.
TEST_TIMINGS = {
    "KAFKA_SESSION_TIMEOUT_MS": str(TEST_CONSUMER_SETTINGS["session_timeout_ms"]),
    "KAFKA_HEARTBEAT_INTERVAL_MS": str(TEST_CONSUMER_SETTINGS["heartbeat_interval_ms"]),
    "RELAY_POLL_INTERVAL_SECONDS": "0.2",
}


def settings_for_test(service_name: str, database_url: str, bootstrap_servers: str, idempotent: bool,
                  **overrides) -> ServiceSettings:
    return ServiceSettings(
        service_name=service_name, environment="local", database_url=database_url,
        kafka_bootstrap_servers=bootstrap_servers, kafka_idempotent_producer=idempotent,
        relay_poll_interval_seconds=0.2,
        kafka_session_timeout_ms=TEST_CONSUMER_SETTINGS["session_timeout_ms"],
        kafka_heartbeat_interval_ms=TEST_CONSUMER_SETTINGS["heartbeat_interval_ms"],
        **overrides,
    )


@contextlib.asynccontextmanager
async def running_app(app: FastAPI, *, wait_for_consumers: bool = True,
                      timeout: float = 30) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (pool, migrations, broker, relay, consumers) and give a client,
    by default once the consumers have joined their groups (the app answers before that)."""
    async with app.router.lifespan_context(app):
        consumers = getattr(app.state, "consumers", None)  # None in an app without a broker (the console)
        if wait_for_consumers and consumers is not None:
            async with asyncio.timeout(timeout):
                await asyncio.shield(consumers)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


def app_runner(create_app: Callable[[ServiceSettings], FastAPI]):
    """`async with run(settings) as (app, client)`: a service's app made from `settings` and
    running, which a test may stop and start again on the same database and consumer groups."""

    @contextlib.asynccontextmanager
    async def run(settings: ServiceSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        app = create_app(settings)
        async with running_app(app) as client:
            yield app, client

    return run


async def eventually(check, timeout: float = 30, interval: float = 0.2):
    """Poll an async check until it returns something truthy, and return that; fail after `timeout`.
    Events travel asynchronously between services, so tests wait for their effects this way."""
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(interval)
    return result


def bearer(role: Role | str, subject: str = "staff-1", **scope) -> dict[str, str]:
    """An Authorization header for a local token: `bearer(Role.venue_staff, venues=[venue_id])`."""
    return {"Authorization": f"Bearer {mint_token(LOCAL_AUTH, role, subject, **scope)}"}


async def publish_events(bootstrap_servers: str, events: Sequence[Event], source: str = "/test",
                         idempotent: bool = False) -> list[CloudEventAttributes]:
    """Put events on their topics, keyed and with CloudEvents headers, as a service's relay does."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=idempotent)
    await producer.start()
    sent = []
    try:
        for event in events:
            attributes = CloudEventAttributes(
                id=uuid4(), source=source, type=event.event_type(), subject=event.key(),
                time=datetime.now(timezone.utc), dataschema=event.dataschema(),
            )
            await producer.send_and_wait(event.event_topic.value, event.model_dump_json().encode(),
                                         key=event.key().encode(), headers=attributes.to_headers())
            sent.append(attributes)
    finally:
        await producer.stop()
    return sent

"""Fixtures that put tests on a real PostgreSQL server and a real Kafka-protocol broker.

LEISURE_TEST_BROKER picks the broker: `tansu` (default) or `mock`. Nothing here skips a test: a
missing server or broker is an error that says what is missing.
"""

import functools
import os

import pytest

from leisure_infra import kafka_testing, service_testing
from leisure_infra.brokers import create_platform_topics, start_broker
from leisure_infra.postgres import PostgresServer, unique_database_name

BROKER_VARIABLE = "LEISURE_TEST_BROKER"


@pytest.fixture(scope="session")
async def kafka_broker(tmp_path_factory):
    """One broker for the whole run, with every platform topic created."""
    kind = os.environ.get(BROKER_VARIABLE, "tansu")
    broker = start_broker(kind, tmp_path_factory.mktemp(f"broker-{kind}"))
    try:
        await create_platform_topics(broker.bootstrap_servers)
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def read_topic(kafka_broker):
    """`await read_topic(topic)`: every record on the topic now, as `TopicRecord`s."""
    return functools.partial(kafka_testing.read_topic, kafka_broker.bootstrap_servers)


@pytest.fixture
def kafka_test_consumer_settings():
    """Consumer keyword arguments that keep group joins short; for aiokafka and FastStream alike."""
    return dict(kafka_testing.TEST_CONSUMER_SETTINGS)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    with PostgresServer.from_environment(tmp_path_factory.mktemp("postgres") / "pgdata") as server:
        yield server


@pytest.fixture(scope="module")
def database_factory(postgres_server):
    """`database_factory()` creates a fresh database and returns its DSN; all are dropped after the module."""
    created = []

    def create(prefix: str = "lp_test") -> str:
        created.append(unique_database_name(prefix))
        return postgres_server.create_database(created[-1])

    yield create
    for name in created:
        postgres_server.drop_database(name)


@pytest.fixture
def fresh_database(postgres_server):
    """The DSN of a database of this test's own, dropped after it."""
    name = unique_database_name()
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


@pytest.fixture
def service_settings(database_factory, kafka_broker):
    """`service_settings("usage")`: settings for a service on a fresh database and the test broker."""

    def settings(service_name: str, **overrides):
        return service_testing.settings_for_test(service_name, database_factory(), kafka_broker.bootstrap_servers,
                                             kafka_broker.supports_idempotence, **overrides)

    return settings


@pytest.fixture(scope="session")
def publish_events(kafka_broker):
    """`await publish_events([event, …])`: other services' events, on their topics as their relays put them."""
    return functools.partial(service_testing.publish_events, kafka_broker.bootstrap_servers,
                             idempotent=kafka_broker.supports_idempotence)

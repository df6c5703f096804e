"""Choosing a local broker by name, and creating topics on any Kafka-protocol broker."""

from collections.abc import Iterable
from pathlib import Path

from leisure_contracts.topics import TopicSpec, platform_topics
from leisure_infra.broker_process import BrokerProcess
from leisure_infra.mock_kafka import MockKafkaBroker
from leisure_infra.tansu import TansuBroker
from leisure_runtime.topics import provision_topics

BROKER_KINDS: dict[str, type[BrokerProcess]] = {"tansu": TansuBroker, "mock": MockKafkaBroker}


def start_broker(kind: str, workdir: Path) -> BrokerProcess:
    """Starts a broker of the given kind ("tansu" or "mock") with its log in `workdir`."""
    if kind not in BROKER_KINDS:
        raise ValueError(f"unknown broker kind {kind!r}; choose one of: {', '.join(BROKER_KINDS)}")
    return BROKER_KINDS[kind](log_dir=workdir).start()


async def create_topics(bootstrap_servers: str, topics: Iterable[str], partitions: int,
                        replication_factor: int = 1) -> None:
    """Creates topics of a test's own (no retention settings) and waits until they have leaders."""
    await provision_topics(bootstrap_servers, [TopicSpec(name, partitions) for name in topics], replication_factor)


async def create_platform_topics(bootstrap_servers: str) -> None:
    """The platform's topics, as production provisions them."""
    await provision_topics(bootstrap_servers, platform_topics())

"""Choosing a local broker by name, and creating topics on any Kafka-protocol broker."""

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from leisure_contracts.topics import PARTITIONS, all_topics
from leisure_infra.broker_process import BrokerProcess
from leisure_infra.mock_kafka import MockKafkaBroker
from leisure_infra.tansu import TansuBroker

BROKER_KINDS: dict[str, type[BrokerProcess]] = {"tansu": TansuBroker, "mock": MockKafkaBroker}


def start_broker(kind: str, workdir: Path) -> BrokerProcess:
    """Starts a broker of the given kind ("tansu" or "mock") with its log in `workdir`."""
    if kind not in BROKER_KINDS:
        raise ValueError(f"unknown broker kind {kind!r}; choose one of: {', '.join(BROKER_KINDS)}")
    return BROKER_KINDS[kind](log_dir=workdir).start()


async def create_topics(
    bootstrap_servers: str, topics: Iterable[str], partitions: int, replication_factor: int = 1,
    timeout: float = 15,
) -> None:
    """Creates the topics that do not exist yet and waits until every one has partition leaders.

    A cluster that names no live controller (librdkafka's mock) cannot take CreateTopics; there a
    metadata request creates the topics instead, with the cluster's default partition count.
    """
    topics = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        if await _has_controller(admin):
            response = await admin.create_topics([NewTopic(t, partitions, replication_factor) for t in topics])
            for result in response.to_object()["topic_errors"]:
                error = for_code(result["error_code"])
                if result["error_code"] and error is not TopicAlreadyExistsError:
                    raise error(f"creating topic {result['topic']}: {result.get('error_message')}")
        else:
            await admin.describe_topics(topics)  # aiokafka asks for auto-creation
        await _wait_until_led(admin, topics, time.monotonic() + timeout)
    finally:
        await admin.close()


async def create_platform_topics(bootstrap_servers: str) -> None:
    await create_topics(bootstrap_servers, all_topics(), PARTITIONS)


async def _has_controller(admin: AIOKafkaAdminClient) -> bool:
    cluster = await admin.describe_cluster()
    return cluster["controller_id"] in {broker["node_id"] for broker in cluster["brokers"]}


async def _wait_until_led(admin: AIOKafkaAdminClient, topics: list[str], deadline: float) -> None:
    while True:
        described = await admin.describe_topics(topics)
        waiting = {t["topic"] for t in described if t["error_code"] or not _all_led(t["partitions"])}
        waiting |= set(topics) - {t["topic"] for t in described}
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without partition leaders: {sorted(waiting)}")
        await asyncio.sleep(0.1)


def _all_led(partitions: list[dict]) -> bool:
    return bool(partitions) and all(p["leader"] >= 0 for p in partitions)

"""Topic provisioning: creates the platform's topics as `leisure_contracts.topics` defines them,
and puts back the retention of topics that exist with other settings.

    python -m leisure_runtime.topics --bootstrap-servers kafka:9092 --replication-factor 3

Safe to run again and again (production runs it as an init job before the services start). A
topic that exists with fewer or more partitions than defined is reported, not changed: adding
partitions would move keys, and one aggregate's events must stay in one partition.
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from leisure_contracts.topics import TopicSpec, platform_topics


class TopicDrift(Exception):
    """An existing topic differs from its definition in a way provisioning must not change."""


async def provision_topics(bootstrap_servers: str, specs: Iterable[TopicSpec], replication_factor: int = 1,
                           timeout: float = 15) -> list[str]:
    """Creates the missing topics, sets the defined config on existing ones that differ, waits
    until every partition has a leader; returns what it did, a line per topic changed.

    A cluster that names no live controller (librdkafka's mock) cannot take CreateTopics or
    configs; there a metadata request creates the topics, with the cluster's default partitions.
    """
    specs = list(specs)
    names = [spec.name for spec in specs]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        if not await _has_controller(admin):
            await admin.describe_topics(names)  # aiokafka asks for auto-creation
            await _wait_until_led(admin, names, time.monotonic() + timeout)
            return [f"created {name} (by metadata request)" for name in names]
        done = await _create_missing(admin, specs, replication_factor)
        await _wait_until_led(admin, names, time.monotonic() + timeout)
        existing = [spec for spec in specs if spec.name not in done]
        await _check_partitions(admin, existing)
        done.update(await _set_drifted_config(admin, existing))
        return [f"{what} {name}" for name, what in done.items()]
    finally:
        await admin.close()


async def _create_missing(admin: AIOKafkaAdminClient, specs: list[TopicSpec], replication_factor: int) -> dict:
    response = await admin.create_topics(
        [NewTopic(spec.name, spec.partitions, replication_factor, topic_configs=spec.config) for spec in specs])
    created = {}
    for result in response.to_object()["topic_errors"]:
        error = for_code(result["error_code"])
        if not result["error_code"]:
            created[result["topic"]] = "created"
        elif error is not TopicAlreadyExistsError:
            raise error(f"creating topic {result['topic']}: {result.get('error_message')}")
    return created


async def _check_partitions(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    if not specs:
        return
    described = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics([s.name for s in specs])}
    wrong = [f"{s.name} has {described[s.name]} partitions, defined {s.partitions}"
             for s in specs if described.get(s.name) != s.partitions]
    if wrong:
        raise TopicDrift("; ".join(wrong) + ": change the definition or move the topic by hand")


async def topic_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's config as the broker reports it."""
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    configs = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            configs[resource["resource_name"]] = {
                entry["config_names"]: entry["config_value"] for entry in resource["config_entries"]}
    return configs


async def _set_drifted_config(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> dict:
    if not specs:
        return {}
    current = await topic_configs(admin, [spec.name for spec in specs])
    drifted = [spec for spec in specs
               if any(current.get(spec.name, {}).get(key) != value for key, value in spec.config.items())]
    if drifted:
        # AlterConfigs sets a topic's whole dynamic config: the definition is all of it.
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, spec.name, configs=spec.config)
                                   for spec in drifted])
    return {spec.name: "set config of" for spec in drifted}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leisure_runtime.topics", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                        help="the broker (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
    parser.add_argument("--replication-factor", type=int,
                        default=int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1")),
                        help="replicas of each new topic (default: $KAFKA_REPLICATION_FACTOR, else 1)")
    args = parser.parse_args(argv)
    try:
        changes = asyncio.run(provision_topics(args.bootstrap_servers, platform_topics(), args.replication_factor))
    except TopicDrift as error:
        print(f"topics: {error}", file=sys.stderr)
        return 2
    for line in changes:
        print(line)
    print(f"topics: {len(platform_topics())} defined, {len(changes)} created or changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

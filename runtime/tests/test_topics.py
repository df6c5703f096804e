"""Provisioning creates the platform's topics with the retention they are defined with, leaves
them alone when run again, and refuses to touch a topic whose partitions differ."""

from uuid import uuid4

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from leisure_contracts.topics import DEAD_LETTER_RETENTION_MS, Topic, TopicSpec, dead_letter_topic, platform_topics
from leisure_infra.brokers import create_topics
from leisure_runtime import topics
from leisure_runtime.topics import TopicDrift, provision_topics, topic_configs

pytestmark = pytest.mark.integration


def test_every_event_topic_keeps_its_history_and_dead_letters_keep_a_year():
    specs = {spec.name: spec for spec in platform_topics()}
    for topic in Topic:
        assert specs[topic.value].config["retention.ms"] == "-1"
        assert specs[topic.value].config["cleanup.policy"] == "delete"  # compaction would drop history
        assert int(specs[dead_letter_topic(topic.value)].config["retention.ms"]) == DEAD_LETTER_RETENTION_MS
    assert DEAD_LETTER_RETENTION_MS >= 365 * 24 * 3600 * 1000


async def test_provisioned_topics_carry_their_config_on_the_broker(kafka_broker):
    if kafka_broker.kind != "tansu":
        pytest.skip("librdkafka's mock cluster takes no CreateTopics and reports no topic configs")
    own = [TopicSpec(f"provision-{uuid4().hex[:8]}", 3, {"retention.ms": "-1", "cleanup.policy": "delete"}),
           TopicSpec(f"provision-{uuid4().hex[:8]}.dlq", 1, {"retention.ms": "86400000"})]
    assert sorted(await provision_topics(kafka_broker.bootstrap_servers, own)) == sorted(
        f"created {spec.name}" for spec in own)
    assert await provision_topics(kafka_broker.bootstrap_servers, own) == []  # nothing to do a second time

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap_servers)
    await admin.start()
    try:
        configs = await topic_configs(admin, [spec.name for spec in own])
        platform = await topic_configs(admin, [Topic.VISITS.value])
    finally:
        await admin.close()
    for spec in own:
        assert {key: configs[spec.name].get(key) for key in spec.config} == spec.config
    assert platform[Topic.VISITS.value]["retention.ms"] == "-1"  # the session's topics came from here too


async def test_a_topic_with_other_partitions_is_reported_not_changed(kafka_broker):
    if kafka_broker.kind != "tansu":
        pytest.skip("librdkafka's mock cluster cannot be told a partition count")
    name = f"provision-{uuid4().hex[:8]}"
    await create_topics(kafka_broker.bootstrap_servers, [name], partitions=2)
    with pytest.raises(TopicDrift, match=f"{name} has 2 partitions, defined 6"):
        await provision_topics(kafka_broker.bootstrap_servers, [TopicSpec(name, 6)])


def test_the_command_provisions_the_platform_topics_and_says_so(kafka_broker, capsys):
    assert topics.main(["--bootstrap-servers", kafka_broker.bootstrap_servers]) == 0
    assert f"{len(platform_topics())} defined" in capsys.readouterr().out

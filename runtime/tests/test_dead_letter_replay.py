"""Dead letters go back to their topic with their own key and headers, once each: a second replay
sends only what was dead-lettered since."""

import asyncio
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from leisure_contracts.topics import dead_letter_topic
from leisure_infra.brokers import create_topics
from leisure_runtime import dead_letters

pytestmark = pytest.mark.integration


async def dead_letter(kafka_broker, topic: str, n: int, reason: str) -> None:
    """A message as the idempotent consumer puts it on the dead-letter topic."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers,
                                enable_idempotence=kafka_broker.supports_idempotence)
    await producer.start()
    try:
        await producer.send_and_wait(dead_letter_topic(topic), f'{{"n": {n}}}'.encode(), key=f"card-{n}".encode(),
                                     headers=[("ce_id", f"id-{n}".encode()), ("ce_type", b"card.renewed.v1"),
                                              ("dlq_reason", reason.encode()), ("dlq_consumer", b"stats"),
                                              ("dlq_topic", topic.encode()), ("dlq_partition", b"0"),
                                              ("dlq_offset", str(n).encode())])
    finally:
        await producer.stop()


async def test_replay_sends_each_dead_letter_back_once(kafka_broker, read_topic, capsys):
    topic = f"replay-{uuid4().hex[:8]}"
    await create_topics(kafka_broker.bootstrap_servers, [topic, dead_letter_topic(topic)], partitions=1)
    for n in range(3):
        await dead_letter(kafka_broker, topic, n, "no handler for the region")
    bootstrap = ["--bootstrap-servers", kafka_broker.bootstrap_servers]

    assert await asyncio.to_thread(dead_letters.main, [*bootstrap, "list", dead_letter_topic(topic)]) == 0
    listed = capsys.readouterr().out
    assert "3  stats: no handler for the region" in listed and "3 dead letters waiting" in listed
    assert await read_topic(topic) == []  # listing sends nothing

    assert await asyncio.to_thread(dead_letters.main, [*bootstrap, "replay", dead_letter_topic(topic)]) == 0
    assert "replayed 3 dead letters" in capsys.readouterr().out
    back = await read_topic(topic)
    assert [(r.key, r.value) for r in back] == [(f"card-{n}".encode(), f'{{"n": {n}}}'.encode()) for n in range(3)]
    assert [dict(r.headers) for r in back] == [{"ce_id": f"id-{n}".encode(), "ce_type": b"card.renewed.v1"}
                                               for n in range(3)]

    await dead_letter(kafka_broker, topic, 3, "schema v2 unknown")
    assert await asyncio.to_thread(dead_letters.main, [*bootstrap, "replay", dead_letter_topic(topic)]) == 0
    assert "replayed 1 dead letters" in capsys.readouterr().out
    assert [r.key for r in await read_topic(topic)] == [f"card-{n}".encode() for n in range(4)]


async def test_a_topic_that_is_not_there_is_named(kafka_broker, capsys):
    missing = f"nowhere-{uuid4().hex[:8]}.dlq"
    code = await asyncio.to_thread(dead_letters.main,
                                   ["--bootstrap-servers", kafka_broker.bootstrap_servers, "list", missing])
    assert code == 2
    assert f"no topic {missing!r}" in capsys.readouterr().err

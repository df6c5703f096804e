"""Looking at dead letters and sending them back to their topic once their cause is fixed.

    python -m leisure_runtime.dead_letters list leisure.visits.dlq
    python -m leisure_runtime.dead_letters replay leisure.visits.dlq

A dead letter carries the consumer's reason and where the message stood (`dlq_*` headers). Replay
publishes each message again on its original topic, with its key and its own headers, and
remembers how far it got (the offsets of the consumer group `leisure-dead-letter-replay`), so a
second replay sends only what came since. Every consumer of the topic receives the message again:
those that applied it before find its event id recorded and change nothing; a message that still
cannot be applied goes to the dead letters once more, with its reason.
"""

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

REPLAY_GROUP = "leisure-dead-letter-replay"
DEAD_LETTER_HEADERS = frozenset({"dlq_reason", "dlq_consumer", "dlq_topic", "dlq_partition", "dlq_offset"})
READ_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        return next((value.decode(errors="replace") for key, value in self.headers if key == name), "")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(key, value) for key, value in self.headers if key not in DEAD_LETTER_HEADERS]


async def waiting(bootstrap_servers: str, topic: str) -> tuple[list[DeadLetter], dict[TopicPartition, int]]:
    """The dead letters not replayed yet, in offset order per partition, and the offsets to
    commit once they are replayed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=REPLAY_GROUP,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await consumer.topics()  # fresh metadata, naming the topic's partitions
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            raise LookupError(f"no topic {topic!r} on {bootstrap_servers}")
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        deadline = time.monotonic() + READ_TIMEOUT_SECONDS
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {READ_TIMEOUT_SECONDS:.0f} s")
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                letters.extend(DeadLetter(r.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
                               for r in records)
        return letters, {tp: await consumer.position(tp) for tp in partitions}
    finally:
        await consumer.stop()


async def replay(bootstrap_servers: str, topic: str) -> list[DeadLetter]:
    """Publish the waiting dead letters on their original topics; return them."""
    letters, replayed_to = await waiting(bootstrap_servers, topic)
    unplaced = [letter for letter in letters if not letter.header("dlq_topic")]
    if unplaced:
        raise ValueError(f"{len(unplaced)} messages on {topic} name no original topic (dlq_topic header), "
                         f"first at offset {unplaced[0].offset}: not a dead-letter topic of the platform?")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(letter.header("dlq_topic"), letter.value, key=letter.key,
                                    headers=letter.original_headers) for letter in letters]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    await _commit(bootstrap_servers, replayed_to)
    return letters


async def _commit(bootstrap_servers: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=REPLAY_GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


def _summary(letters: list[DeadLetter]) -> list[str]:
    by_cause = Counter((letter.header("dlq_consumer"), letter.header("dlq_reason")[:200]) for letter in letters)
    return [f"{count:>6}  {consumer or '?'}: {reason}" for (consumer, reason), count in by_cause.most_common()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leisure_runtime.dead_letters",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                        help="the broker (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
    parser.add_argument("action", choices=["list", "replay"],
                        help="list: count the waiting dead letters by consumer and reason; replay: send them back")
    parser.add_argument("topic", help="a dead-letter topic, e.g. leisure.visits.dlq")
    args = parser.parse_args(argv)
    try:
        if args.action == "list":
            letters, _ = asyncio.run(waiting(args.bootstrap_servers, args.topic))
            for line in _summary(letters):
                print(line)
            print(f"{args.topic}: {len(letters)} dead letters waiting")
        else:
            letters = asyncio.run(replay(args.bootstrap_servers, args.topic))
            print(f"{args.topic}: replayed {len(letters)} dead letters to their topics")
    except (LookupError, ValueError) as error:
        print(f"dead letters: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A Leisure Pass public-stream consumer, as an integrator would write one: plain aiokafka, no
Leisure Pass code. Prints each new event as one JSON line.

    pip install aiokafka
    python public_stream_consumer.py --bootstrap-servers 127.0.0.1:9092 --group my-warehouse

In production, give the Kafka user the operator created for you (SASL/SCRAM over TLS):

    LEISURE_KAFKA_USERNAME=... LEISURE_KAFKA_PASSWORD=... python public_stream_consumer.py \
        --bootstrap-servers kafka.example:9093 --group my-warehouse

What it shows:
- The CloudEvents attributes are `ce_` headers; the value is the event's JSON data.
- Delivery is at least once: the same event (same `ce_id`) can come again after a rebalance or a
  republish. De-duplicate by `ce_id` (here in memory; keep the ids with your own data in practice).
- Offsets are committed only after the events are handled, so a crash means a redelivery, not a loss.
- Skip event types you do not know (a new type or a new version, `….v2`) rather than failing.
"""

import argparse
import asyncio
import json
import os
import sys
from collections import OrderedDict

from aiokafka import AIOKafkaConsumer
from aiokafka.helpers import create_ssl_context

PUBLIC_TOPICS = ["leisure.public.cards", "leisure.public.visits"]
KNOWN_TYPES = {
    "fi.leisurepass.public.card.issued.v1",
    "fi.leisurepass.public.visit.recorded.v1",
    "fi.leisurepass.public.visit.cancelled.v1",
}
REMEMBERED_IDS = 100_000


def connection_settings() -> dict:
    username = os.environ.get("LEISURE_KAFKA_USERNAME")
    if not username:
        return {}
    return {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": username, "sasl_plain_password": os.environ["LEISURE_KAFKA_PASSWORD"],
            "ssl_context": create_ssl_context()}


def as_event(record) -> dict:
    headers = {name: value.decode() for name, value in record.headers if value is not None}
    return {"id": headers.get("ce_id"), "type": headers.get("ce_type"), "source": headers.get("ce_source"),
            "subject": headers.get("ce_subject"), "time": headers.get("ce_time"),
            "dataschema": headers.get("ce_dataschema"), "data": json.loads(record.value)}


async def caught_up(consumer: AIOKafkaConsumer) -> bool:
    assigned = list(consumer.assignment())
    if not assigned:
        return False  # still joining the group
    ends = await consumer.end_offsets(assigned)
    # The high watermark of the last fetch as well: some Kafka-compatible brokers list a short end.
    return all([await consumer.position(tp) >= max(ends[tp], consumer.highwater(tp) or 0) for tp in assigned])


async def consume(bootstrap_servers: str, group: str, topics: list[str], until_caught_up: bool) -> None:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap_servers, group_id=group,
                                enable_auto_commit=False, auto_offset_reset="earliest", **connection_settings())
    seen: OrderedDict[str, None] = OrderedDict()
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    event = as_event(record)
                    if event["type"] not in KNOWN_TYPES or event["id"] in seen:
                        continue
                    seen[event["id"]] = None
                    if len(seen) > REMEMBERED_IDS:
                        seen.popitem(last=False)
                    print(json.dumps(event), flush=True)  # your handling here
            if batches:
                await consumer.commit()
            if until_caught_up and await caught_up(consumer):
                return
    finally:
        await consumer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--group", required=True, help="Your consumer group: where your reading stands")
    parser.add_argument("--topic", action="append", dest="topics", help="Default: the public topics")
    parser.add_argument("--until-caught-up", action="store_true",
                        help="Stop once everything on the topics when it started is read (an export)")
    args = parser.parse_args()
    asyncio.run(consume(args.bootstrap_servers, args.group, args.topics or PUBLIC_TOPICS, args.until_caught_up))
    return 0


if __name__ == "__main__":
    sys.exit(main())

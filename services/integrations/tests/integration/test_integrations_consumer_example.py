"""docs/examples/public_stream_consumer.py, run as an integrator runs it, against the real broker."""

import asyncio
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import PublicVisitRecorded

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "public_stream_consumer.py"


async def test_the_example_prints_each_public_event_once_and_skips_unknown_types(kafka_broker):
    now = datetime.now(timezone.utc)
    visit = PublicVisitRecorded(visit_id=uuid4(), programme_id="culture-card", card_region="uusimaa",
                                offer_id=uuid4(), venue_id=uuid4(), venue_kind="museum", region="uusimaa",
                                category="culture", tickets=1, occurred_at=now)
    attributes = CloudEventAttributes(source="/leisure-pass/integrations", type=visit.event_type(),
                                      subject=str(visit.visit_id), dataschema=visit.dataschema())
    newer = CloudEventAttributes(source="/leisure-pass/integrations", type="fi.leisurepass.public.visit.recorded.v2",
                                 subject=str(visit.visit_id))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for headers in (attributes.to_headers(), attributes.to_headers(), newer.to_headers()):  # a redelivery, a v2
            await producer.send_and_wait(visit.event_topic.value, visit.model_dump_json().encode(),
                                         key=visit.key().encode(), headers=headers)
    finally:
        await producer.stop()

    example = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), "--bootstrap-servers", kafka_broker.bootstrap_servers,
        "--group", f"example-{uuid4().hex[:8]}", "--until-caught-up",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await example.communicate()
    assert example.returncode == 0, err.decode()[-2000:]

    printed = [json.loads(line) for line in out.decode().splitlines()]
    ours = [event for event in printed if event["data"]["visit_id"] == str(visit.visit_id)]
    assert len(ours) == 1
    assert ours[0]["id"] == str(attributes.id) and ours[0]["type"] == "fi.leisurepass.public.visit.recorded.v1"
    assert ours[0]["dataschema"] == "urn:leisure-pass:schema:public.visit.recorded.v1"
    assert ours[0]["data"]["venue_kind"] == "museum"

"""The public stream through a real broker and PostgreSQL: internal card and visit events come out
on the public topics without card numbers, once each whatever is redelivered; unreadable messages
go to the dead letters."""

import json
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import PublicCardIssued, PublicVisitRecorded, VisitCancelled
from leisure_contracts.schemas import checked_in_schema
from leisure_contracts.topics import Topic, dead_letter_topic
from leisure_infra.service_testing import eventually

pytestmark = pytest.mark.integration


async def send(bootstrap_servers: str, records: list[tuple[str, bytes, bytes, list]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        for topic, key, value, headers in records:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def as_published(event, event_id=None) -> tuple[str, bytes, bytes, list]:
    attributes = CloudEventAttributes(id=event_id or uuid4(), source="/leisure-pass/test", type=event.event_type(),
                                      subject=event.key(), time=datetime.now(timezone.utc),
                                      dataschema=event.dataschema())
    return event.event_topic.value, event.key().encode(), event.model_dump_json().encode(), attributes.to_headers()


async def public_records(read_topic, topic: Topic, field: str, value: str):
    return [r for r in await read_topic(topic.value) if json.loads(r.value).get(field) == value]


async def test_cards_and_visits_come_out_public_once_without_card_numbers(
        integrations, integrations_settings, kafka_broker, read_topic, card_issued, visit_recorded):
    card = card_issued()
    visit = visit_recorded(card)
    cancelled = VisitCancelled(visit_id=visit.visit_id, card_id=card.card_id, offer_id=visit.offer_id,
                               venue_id=visit.venue_id, tickets=2, occurred_at=visit.occurred_at,
                               cancelled_at=datetime.now(timezone.utc))
    visit_id = uuid4()
    async with integrations(integrations_settings()):
        # The visit twice with one id, as a redelivery or a relay's republish brings it.
        await send(kafka_broker.bootstrap_servers, [
            as_published(card), as_published(visit, visit_id), as_published(visit, visit_id), as_published(cancelled)])

        async def visit_and_its_cancellation():
            records = await public_records(read_topic, Topic.PUBLIC_VISITS, "visit_id", str(visit.visit_id))
            return records if len(records) >= 2 else None

        records = await eventually(visit_and_its_cancellation)
        cards = await eventually(lambda: public_records(read_topic, Topic.PUBLIC_CARDS, "valid_until",
                                                        card.valid_until.isoformat()))

    assert [r.header("ce_type") for r in records] == [b"fi.leisurepass.public.visit.recorded.v1",
                                                      b"fi.leisurepass.public.visit.cancelled.v1"]
    public_visit = PublicVisitRecorded.model_validate_json(records[0].value)
    assert public_visit.offer_id == visit.offer_id and public_visit.tickets == 2
    assert {r.key for r in records} == {str(visit.offer_id).encode()}
    assert {r.header("ce_subject") for r in records} == {str(visit.visit_id).encode()}
    assert records[0].header("ce_source") == b"/leisure-pass/integrations"
    assert records[0].header("ce_dataschema").decode() == checked_in_schema(PublicVisitRecorded)["$id"]

    ours = [r for r in cards if PublicCardIssued.model_validate_json(r.value).age_band == "35_44"]
    assert ours
    for record in [*records, *ours]:
        everything = record.value + b"".join(value for _, value in record.headers) + (record.key or b"")
        for private in (card.card_number, str(card.card_id), "02100", "swedish", "student", "female"):
            assert private.encode() not in everything


async def test_an_unreadable_message_goes_to_the_dead_letters_and_the_next_is_republished(
        integrations, integrations_settings, kafka_broker, read_topic, card_issued, visit_recorded):
    settings = integrations_settings()
    card = card_issued()
    visit = visit_recorded(card)
    garbage_id = str(uuid4()).encode()
    async with integrations(settings):
        # No CloudEvents headers but an id: other tests reading this topic by ce_type never see it.
        garbage = (Topic.VISITS.value, str(card.card_id).encode(), b"{not json", [("ce_id", garbage_id)])
        await send(kafka_broker.bootstrap_servers, [garbage, as_published(visit)])
        await eventually(lambda: public_records(read_topic, Topic.PUBLIC_VISITS, "visit_id", str(visit.visit_id)))

    dead = [r for r in await read_topic(dead_letter_topic(Topic.VISITS.value))
            if r.header("dlq_consumer") == settings.public_stream_consumer.encode() and r.header("ce_id") == garbage_id]
    assert len(dead) == 1 and dead[0].value == b"{not json"
    assert b"ce_specversion must be '1.0'" in dead[0].header("dlq_reason")

"""CloudEvents Kafka binding, binary mode: attributes in ce_ headers, data as the value."""

import json
from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from leisure_contracts.envelope import CloudEventAttributes, HeaderTemplate
from leisure_contracts.events import CardIssued, VisitRecorded
from leisure_contracts.registry import EVENT_CLASSES, EVENTS_BY_TYPE, UndecodableMessage, decode
from leisure_contracts.topics import Topic, all_topics, dead_letter_topic

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def card_issued() -> CardIssued:
    return CardIssued(
        card_id=uuid4(), card_number="123456789018", programme_id="espoo-culture-card",
        distributor_id="espoo-social-office", distributor_kind="social_office", home_region="uusimaa",
        accepted_regions=["uusimaa"], valid_from=date(2026, 11, 24), valid_until=date(2027, 11, 23),
        children_allowance=2, escort_free=True,
        background={"age_band": "25_34", "gender": "female", "mother_tongue": "finnish",
                    "life_situation": "unemployed", "postal_code": "02100", "children_under_16": 1},
        issued_at=NOW,
    )


def test_attributes_round_trip_through_headers():
    attributes = CloudEventAttributes(source="/leisure-pass/issuance", type=CardIssued.event_type(),
                                      subject="card-1", time=NOW, dataschema=CardIssued.dataschema())
    headers = attributes.to_headers()
    assert ("ce_type", b"fi.leisurepass.card.issued.v1") in headers
    assert ("content-type", b"application/json") in headers
    assert CloudEventAttributes.from_headers(headers) == attributes


def test_an_event_decodes_from_its_headers_and_value():
    event = card_issued()
    attributes = CloudEventAttributes(source="/test", type=event.event_type(), time=NOW)
    decoded_attributes, decoded = decode(attributes.to_headers(), event.model_dump_json().encode())
    assert decoded == event
    assert decoded_attributes.id == attributes.id


def test_unknown_fields_are_ignored_so_old_subscribers_keep_working():
    event = card_issued()
    data = json.loads(event.model_dump_json()) | {"added_later": "x"}
    attributes = CloudEventAttributes(source="/test", type=event.event_type(), time=NOW)
    assert decode(attributes.to_headers(), json.dumps(data).encode())[1] == event


@pytest.mark.parametrize("headers, value, reason", [
    ([], b"{}", "ce_specversion"),
    ([("ce_specversion", b"1.0"), ("ce_id", b"not-a-uuid"), ("ce_source", b"/x"),
      ("ce_type", b"fi.leisurepass.card.issued.v1")], b"{}", "invalid CloudEvents headers"),
    ([("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/x"),
      ("ce_type", b"fi.leisurepass.card.exploded.v1")], b"{}", "unknown event type"),
    ([("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/x"),
      ("ce_type", b"fi.leisurepass.card.issued.v1")], b"{not json", "not JSON"),
    ([("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/x"),
      ("ce_type", b"fi.leisurepass.card.issued.v1")], b'{"card_id": 5}', "does not match its schema"),
    ([("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/caf\xe9"),
      ("ce_type", b"fi.leisurepass.card.issued.v1")], b"{}", "ce_source is not UTF-8"),
    ([("ce_specversion", b"1.0"), ("ce_id", None), ("ce_source", b"/x"),
      ("ce_type", b"fi.leisurepass.card.issued.v1")], b"{}", "invalid CloudEvents headers"),
])
def test_undecodable_messages_say_why(headers, value, reason):
    with pytest.raises(UndecodableMessage) as refused:
        decode(headers, value)
    assert reason in refused.value.reason


def test_headers_of_other_systems_are_left_unread():
    event = card_issued()
    attributes = CloudEventAttributes(source="/test", type=event.event_type(), time=NOW)
    foreign = [("tracestate", b"\xff\xfe binary"), ("x-null", None)]

    assert decode(attributes.to_headers() + foreign, event.model_dump_json().encode()) == (attributes, event)


def test_every_event_is_keyed_by_its_aggregate():
    event = card_issued()
    assert event.key() == str(event.card_id)
    assert event.event_topic is Topic.CARDS
    assert VisitRecorded.key_field == "card_id"


def test_every_topic_has_a_dead_letter_topic():
    topics = all_topics()
    for topic in Topic:
        assert dead_letter_topic(topic.value) in topics


def test_event_types_are_unique_and_versioned():
    assert len(EVENTS_BY_TYPE) == len(EVENT_CLASSES)
    assert all(t.rsplit(".", 1)[-1].startswith("v") for t in EVENTS_BY_TYPE)


@pytest.mark.parametrize("subject, dataschema", [("card-1", "https://schemas/x.json"), (None, None)])
def test_a_header_template_makes_the_same_headers_as_the_attributes(subject, dataschema):
    attributes = CloudEventAttributes(id=uuid4(), source="/leisure-pass/usage", type="fi.leisure-pass.visit.recorded.v1",
                                      subject=subject, time=datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc),
                                      dataschema=dataschema)
    template = HeaderTemplate(attributes.source, attributes.type, dataschema)
    headers = template.headers(attributes.id, attributes.time, subject)
    assert headers == attributes.to_headers()
    assert CloudEventAttributes.from_headers(headers) == attributes

"""The AsyncAPI document is generated from the contracts, checked in, and valid AsyncAPI 3.0."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from leisure_contracts.asyncapi import ASYNCAPI_FILE, asyncapi_document, render
from leisure_contracts.registry import EVENT_CLASSES
from leisure_contracts.schemas import checked_in_schema
from leisure_contracts.topics import Topic, dead_letter_topic, is_internal

OFFICIAL_SCHEMA = Path(__file__).parent / "asyncapi_spec" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def checked_in():
    return yaml.safe_load(ASYNCAPI_FILE.read_text())


def test_the_checked_in_document_is_valid_asyncapi_3(checked_in):
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text()))
    problems = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in validator.iter_errors(checked_in)]
    assert problems == []


def test_the_official_schema_refuses_a_broken_document(checked_in):
    broken = json.loads(json.dumps(checked_in))
    del broken["channels"]["cards"]["address"]
    broken["operations"]["publishCards"]["action"] = "publish"  # AsyncAPI 2's word, not 3's
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text()))
    assert not validator.is_valid(broken)


def test_the_checked_in_document_is_what_the_contracts_make():
    assert ASYNCAPI_FILE.read_text() == render(), "contracts/asyncapi.yaml is stale: run `make schemas`"


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.event_type())
def test_each_event_type_is_a_message_with_its_schema_key_and_headers(checked_in, event_class):
    messages = [m for m in checked_in["components"]["messages"].values() if m["name"] == event_class.event_type()]
    assert len(messages) == 1
    message = messages[0]
    assert message["payload"]["schema"] == checked_in_schema(event_class)
    headers = message["headers"]["properties"]
    assert headers["ce_type"]["const"] == event_class.event_type()
    assert headers["ce_dataschema"]["const"] == checked_in_schema(event_class)["$id"]
    assert event_class.key_field in message["bindings"]["kafka"]["key"]["description"]
    channel = next(c for c in checked_in["channels"].values() if c["address"] == event_class.event_topic.value)
    assert any(ref["$ref"].endswith("/" + key) for key, ref in channel["messages"].items()
               for m in [checked_in["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]]
               if m["name"] == event_class.event_type())


def test_every_topic_and_dead_letter_topic_is_a_channel_tagged_public_or_internal():
    channels = {c["address"]: c for c in asyncapi_document()["channels"].values()}
    for topic in Topic:
        for address in (topic.value, dead_letter_topic(topic.value)):
            expected = "internal" if is_internal(address) else "public"
            assert channels[address]["tags"] == [{"name": expected}]
    assert channels["leisure.cards"]["tags"] == [{"name": "internal"}]
    assert channels["leisure.public.visits"]["tags"] == [{"name": "public"}]

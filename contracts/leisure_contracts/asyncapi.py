"""The AsyncAPI 3.0 document of every topic, made from the contracts: a channel per topic and
dead-letter topic, a message per `ce_type` whose payload is the checked-in JSON Schema, the Kafka
key and the CloudEvents `ce_` headers. Checked in as `contracts/leisure_contracts/asyncapi.yaml`
(inside the package, so installed services have it) and served by every service at
`/asyncapi.yaml`; `make schemas` writes it after the schemas.
"""

from pathlib import Path
from typing import Any

import yaml

from leisure_contracts.base import Event
from leisure_contracts.envelope import JSON, SPEC_VERSION
from leisure_contracts.registry import EVENT_CLASSES
from leisure_contracts.schemas import DIALECT, SCHEMA_DIR
from leisure_contracts.topics import PARTITIONS, Topic, dead_letter_topic, is_internal

ASYNCAPI_FILE = Path(__file__).resolve().parent / "asyncapi.yaml"
VERSION = "1.0.0"
KAFKA_BINDING = "0.5.0"
SCHEMA_FORMAT = f"application/schema+json;version={DIALECT.split('/')[-2]}"

PRODUCERS: dict[Topic, str] = {
    Topic.CARDS: "issuance",
    Topic.PROGRAMMES: "issuance",
    Topic.VENUES: "venues",
    Topic.OFFERS: "venues",
    Topic.VISITS: "usage",
    Topic.PUBLIC_CARDS: "integrations",
    Topic.PUBLIC_VISITS: "integrations",
}
"""The service whose outbox relay publishes each topic; `ce_source` is `/leisure-pass/<service>`."""

DEAD_LETTER_HEADERS = {
    "dlq_reason": "Why the message could not be applied",
    "dlq_consumer": "The consumer group that refused it",
    "dlq_topic": "The topic it came from",
    "dlq_partition": "Its partition there",
    "dlq_offset": "Its offset there",
}


def source_of(topic: Topic) -> str:
    return f"/leisure-pass/{PRODUCERS[topic]}"


def asyncapi_document() -> dict[str, Any]:
    channels, operations, messages = {}, {}, {}
    for topic in Topic:
        events = [cls for cls in EVENT_CLASSES if cls.event_topic is topic]
        name = _channel_id(topic)
        for cls in events:
            messages[_message_id(cls)] = _message(cls)
        visibility = "internal" if is_internal(topic.value) else "public"
        channels[name] = {
            "address": topic.value,
            "title": topic.value,
            "description": _topic_description(topic, visibility),
            "messages": {_message_id(cls): {"$ref": f"#/components/messages/{_message_id(cls)}"} for cls in events},
            "tags": [{"name": visibility}],
            "bindings": {"kafka": {"topic": topic.value, "partitions": PARTITIONS, "bindingVersion": KAFKA_BINDING}},
        }
        operations[f"publish{name[0].upper()}{name[1:]}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"The {PRODUCERS[topic]} service's outbox relay publishes these events",
            "messages": [{"$ref": f"#/channels/{name}/messages/{_message_id(cls)}"} for cls in events],
        }
        dead_letters = f"{name}DeadLetters"
        channels[dead_letters] = {
            "address": dead_letter_topic(topic.value),
            "title": dead_letter_topic(topic.value),
            "description": f"Messages of `{topic.value}` that a consumer could not apply, with the reason. "
                           "Internal: they may carry anything that was on the topic.",
            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
            "tags": [{"name": "internal"}],
            "bindings": {"kafka": {"topic": dead_letter_topic(topic.value), "partitions": PARTITIONS,
                                   "bindingVersion": KAFKA_BINDING}},
        }
        operations[f"deadLetter{name[0].upper()}{name[1:]}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dead_letters}"},
            "summary": "A consumer sends a message it cannot apply here and goes on",
            "messages": [{"$ref": f"#/channels/{dead_letters}/messages/deadLetter"}],
        }
    messages["deadLetter"] = _dead_letter_message()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Leisure Pass events",
            "version": VERSION,
            "description": (
                "Events of the Leisure Pass platform under the CloudEvents 1.0 Kafka binding, binary mode: "
                "the value is the event's JSON data, the attributes are `ce_` headers, the key is the "
                "aggregate id. Channels tagged `internal` carry card numbers or holders' background and "
                "are closed to integrators; integrators read the channels tagged `public`. "
                "See docs/integrators.md."
            ),
            "tags": [{"name": "public", "description": "Readable by integrators"},
                     {"name": "internal", "description": "Platform services only (ACLs in production)"}],
        },
        "defaultContentType": JSON,
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                      "description": "`make run`'s broker, no authentication"},
            "production": {"host": "{bootstrap}", "protocol": "kafka-secure",
                           "description": "TLS and SASL/SCRAM-SHA-512; topic ACLs per principal "
                                          "(infra/production/kafka-security.md)",
                           "variables": {"bootstrap": {"description": "The operator's bootstrap servers"}},
                           "security": [{"$ref": "#/components/securitySchemes/scram"}]},
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "securitySchemes": {"scram": {"type": "scramSha512",
                                          "description": "A Kafka user per integrator, given by the operator"}},
        },
    }


def _channel_id(topic: Topic) -> str:
    parts = topic.value.split(".")[1:]
    return parts[0] + "".join(part.capitalize() for part in parts[1:])


def _message_id(cls: type[Event]) -> str:
    words = cls.event_name.replace(".", "_").split("_")
    return words[0] + "".join(word.capitalize() for word in words[1:]) + f"V{cls.event_version}"


def _topic_description(topic: Topic, visibility: str) -> str:
    if visibility == "public":
        return f"Public: integrators may read it. Published by {PRODUCERS[topic]}."
    return (f"Internal: carries card numbers or holders' background; only the platform's services read it. "
            f"Published by {PRODUCERS[topic]}.")


def _message(cls: type[Event]) -> dict[str, Any]:
    schema_file = SCHEMA_DIR / cls.schema_file()
    return {
        "name": cls.event_type(),
        "title": f"{cls.__name__} v{cls.event_version}",
        "summary": (cls.__doc__ or cls.__name__).strip().split("\n\n")[0].replace("\n", " "),
        "contentType": JSON,
        "headers": _cloudevents_headers(cls),
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": yaml.safe_load(schema_file.read_text())},
        "bindings": {"kafka": {
            "key": {"type": "string", "description": f"The aggregate id: the event's `{cls.key_field}`"},
            "bindingVersion": KAFKA_BINDING,
        }},
    }


def _cloudevents_headers(cls: type[Event]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"],
        "properties": {
            "ce_specversion": {"const": SPEC_VERSION},
            "ce_id": {"type": "string", "format": "uuid",
                      "description": "The event id: the same on every redelivery, for de-duplication"},
            "ce_source": {"const": source_of(cls.event_topic), "description": "The service that published it"},
            "ce_type": {"const": cls.event_type(), "description": "The event type and its version"},
            "ce_time": {"type": "string", "format": "date-time", "description": "When the event was recorded"},
            "ce_subject": {"type": "string", "description": f"The aggregate id, as the key: `{cls.key_field}`"},
            "ce_dataschema": {"const": cls.dataschema(), "description": "The `$id` of the payload's JSON Schema"},
            "content-type": {"const": JSON},
        },
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "dead-letter",
        "title": "Dead letter",
        "summary": "A message as it came, with the original headers and why it was refused",
        "headers": {"type": "object", "required": list(DEAD_LETTER_HEADERS),
                    "properties": {name: {"type": "string", "description": description}
                                   for name, description in DEAD_LETTER_HEADERS.items()}},
        "payload": {"description": "The original value, byte for byte"},
    }


def render() -> str:
    header = "# Generated by `make schemas` from contracts/ (leisure_contracts.asyncapi): do not edit.\n"
    return header + yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=110)


def write_asyncapi() -> Path:
    ASYNCAPI_FILE.write_text(render())
    return ASYNCAPI_FILE


if __name__ == "__main__":
    print(f"Wrote {write_asyncapi()}")

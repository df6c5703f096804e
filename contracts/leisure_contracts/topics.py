"""Topic names and how each topic is kept: one topic per aggregate type, each with a dead-letter
topic beside it. Every event is keyed by its aggregate id, so one aggregate's events stay in one
partition, in order.

`leisure.cards` and `leisure.visits` carry card numbers and holders' background: they are internal,
read only by the platform's services. Integrators read the public topics, where the integrations
service republishes cards and visits without card numbers and with the background reduced.

This is the one place that says how many partitions a topic has and how long it keeps its
records; the local runner, the test fixtures and production provisioning
(`python -m leisure_runtime.topics`) all create the topics from `platform_topics()`.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Topic(StrEnum):
    CARDS = "leisure.cards"
    PROGRAMMES = "leisure.programmes"
    VENUES = "leisure.venues"
    OFFERS = "leisure.offers"
    VISITS = "leisure.visits"
    PUBLIC_CARDS = "leisure.public.cards"
    PUBLIC_VISITS = "leisure.public.visits"


PARTITIONS = 6
DEAD_LETTER_PARTITIONS = 1
DEAD_LETTER_RETENTION_MS = 365 * 24 * 3600 * 1000

# Event topics are the platform's history: a projection rebuild and every new subscriber read them
# from the beginning, so nothing may expire (Apache Kafka's default would drop records after seven
# days). Not compacted: compaction keeps only an aggregate's newest event, and the history is all
# of them.
EVENT_TOPIC_CONFIG = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
# Dead letters wait for an operator to fix the cause and replay them; a year covers any holiday.
DEAD_LETTER_TOPIC_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(DEAD_LETTER_RETENTION_MS),
                            "retention.bytes": "-1"}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


INTEGRATOR_TOPICS = (Topic.PUBLIC_CARDS, Topic.PUBLIC_VISITS, Topic.PROGRAMMES, Topic.VENUES, Topic.OFFERS)
"""Topics an integrator may read: no card numbers, no individual background. Every other topic,
dead-letter topics included, is internal and closed to integrators by ACLs in production."""


def is_internal(topic: str) -> bool:
    return topic not in {t.value for t in INTEGRATOR_TOPICS}


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def platform_topics() -> list[TopicSpec]:
    """Every topic the platform uses, dead-letter topics included, as it should be created."""
    specs = []
    for topic in Topic:
        specs.append(TopicSpec(topic.value, PARTITIONS, dict(EVENT_TOPIC_CONFIG)))
        specs.append(TopicSpec(dead_letter_topic(topic.value), DEAD_LETTER_PARTITIONS, dict(DEAD_LETTER_TOPIC_CONFIG)))
    return specs


def all_topics() -> list[str]:
    """Every topic the platform uses, dead-letter topics included."""
    return [spec.name for spec in platform_topics()]

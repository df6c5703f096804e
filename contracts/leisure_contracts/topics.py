"""Topic names: one topic per aggregate type, each with a dead-letter topic beside it.

Every event is keyed by its aggregate id, so one aggregate's events stay in one partition, in order.
`leisure.cards` and `leisure.visits` carry card numbers and holders' background: they are internal,
read only by the platform's services. Integrators read the public topics, where the integrations
service republishes cards and visits without card numbers and with the background reduced.
"""

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

INTEGRATOR_TOPICS = (Topic.PUBLIC_CARDS, Topic.PUBLIC_VISITS, Topic.PROGRAMMES, Topic.VENUES, Topic.OFFERS)
"""Topics an integrator may read: no card numbers, no individual background. Every other topic,
dead-letter topics included, is internal and closed to integrators by ACLs in production."""


def is_internal(topic: str) -> bool:
    return topic not in {t.value for t in INTEGRATOR_TOPICS}


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def all_topics() -> list[str]:
    """Every topic the platform uses, dead-letter topics included, for creating them up front."""
    return [name for topic in Topic for name in (topic.value, dead_letter_topic(topic.value))]

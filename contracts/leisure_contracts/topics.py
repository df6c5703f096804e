"""Topic names: one topic per aggregate type, each with a dead-letter topic beside it.

Every event is keyed by its aggregate id, so one aggregate's events stay in one partition, in order.
"""

from enum import StrEnum


class Topic(StrEnum):
    CARDS = "leisure.cards"
    PROGRAMMES = "leisure.programmes"
    VENUES = "leisure.venues"
    OFFERS = "leisure.offers"
    VISITS = "leisure.visits"


PARTITIONS = 6


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def all_topics() -> list[str]:
    """Every topic the platform uses, dead-letter topics included, for creating them up front."""
    return [name for topic in Topic for name in (topic.value, dead_letter_topic(topic.value))]

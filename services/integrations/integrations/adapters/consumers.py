"""The service's two consumers: one republishes internal cards and visits as public events, the
other queues each public event for the webhooks subscribed to it. Both are idempotent (an event is
applied once, recorded with its effects in one transaction) and dead-letter what they cannot read.

Republishing goes event by event: a visit and its cancellation must keep their order in the visit's
stream. Deliveries have no order to keep, so they are queued a batch per transaction."""

from functools import partial

from integrations.application.intake import queue_for_subscribers
from integrations.application.public_stream import republish
from integrations.domain.public_events import REPUBLISHED
from integrations.domain.webhooks import SUBSCRIBABLE
from leisure_contracts.registry import EVENTS_BY_TYPE
from leisure_contracts.topics import INTEGRATOR_TOPICS
from leisure_runtime.consumer import BatchedIdempotentConsumer, IdempotentConsumer
from leisure_runtime.event_store import EventStore


def public_stream_consumer(name: str, store: EventStore) -> IdempotentConsumer:
    topics = sorted({event_class.event_topic.value for event_class in REPUBLISHED})
    return IdempotentConsumer(name, topics, {event_class: partial(republish, store) for event_class in REPUBLISHED})


def webhook_consumer(name: str) -> BatchedIdempotentConsumer:
    return BatchedIdempotentConsumer(name, [topic.value for topic in INTEGRATOR_TOPICS],
                                     {EVENTS_BY_TYPE[event_type]: queue_for_subscribers for event_type in SUBSCRIBABLE})

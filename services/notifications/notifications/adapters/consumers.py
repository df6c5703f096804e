"""The service's two consumers, each idempotent with dead letters for what it cannot read: one
follows the cards (issued, renewed, revoked), the other queues new offers for the holders who
chose their category."""

from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked, OfferPublished
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import IdempotentConsumer
from notifications.adapters.metrics import NotificationsMetrics
from notifications.application import intake


def cards_consumer(name: str, metrics: NotificationsMetrics) -> IdempotentConsumer:
    return IdempotentConsumer(name, [Topic.CARDS.value], {
        CardIssued: intake.card_issued, CardRenewed: intake.card_renewed,
        CardRevoked: intake.card_revoked(metrics)})


def offers_consumer(name: str) -> IdempotentConsumer:
    return IdempotentConsumer(name, [Topic.OFFERS.value], {OfferPublished: intake.offer_published})

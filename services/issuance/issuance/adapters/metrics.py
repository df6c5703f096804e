"""Business metrics of issuance: cards issued, renewed and revoked by programme and home region."""

from prometheus_client import Counter

from leisure_contracts.base import Event
from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked
from leisure_runtime.metrics import PREFIX, RuntimeMetrics


class IssuanceMetrics(RuntimeMetrics):
    def __init__(self, service_name: str) -> None:
        super().__init__(service_name)
        labels = ["programme", "region"]
        self._issued = Counter(f"{PREFIX}_cards_issued_total", "Cards issued, replacements included",
                               labels, registry=self.registry).labels
        self._renewed = Counter(f"{PREFIX}_cards_renewed_total", "Cards renewed",
                                labels, registry=self.registry).labels
        self._revoked = Counter(f"{PREFIX}_cards_revoked_total", "Cards revoked, by reason",
                                [*labels, "reason"], registry=self.registry).labels

    def count(self, card: CardIssued, events: list[Event]) -> None:
        """Count committed card events; `card` is the issue of the card they belong to."""
        for event in events:
            match event:
                case CardIssued():
                    self._issued(event.programme_id, event.home_region).inc()
                case CardRenewed():
                    self._renewed(card.programme_id, card.home_region).inc()
                case CardRevoked():
                    self._revoked(card.programme_id, card.home_region, event.reason).inc()

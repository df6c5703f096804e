"""The venues service's business metrics, beside those every service has."""

from prometheus_client import Counter, Histogram

from leisure_runtime.metrics import PREFIX, RuntimeMetrics
from venues.domain.offers import Offer


class VenuesMetrics(RuntimeMetrics):
    def __init__(self, service_name: str = "venues") -> None:
        super().__init__(service_name)
        self._published = Counter(
            f"{PREFIX}_offers_published_total", "Offers published, by category and the venue's region",
            ["category", "region"], registry=self.registry,
        )
        self._withdrawn = Counter(
            f"{PREFIX}_offers_withdrawn_total",
            "Offers withdrawn (also those of a venue that closed), by category and the venue's region",
            ["category", "region"], registry=self.registry,
        )
        self.catalogue_query_seconds = Histogram(
            f"{PREFIX}_catalogue_query_duration_seconds", "Time to answer a catalogue search, database included",
            registry=self.registry, buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    def offer_published(self, offer: Offer) -> None:
        self._published.labels(offer.category.value, offer.region).inc()

    def offers_withdrawn(self, offers: list[Offer]) -> None:
        for offer in offers:
            self._withdrawn.labels(offer.category.value, offer.region).inc()

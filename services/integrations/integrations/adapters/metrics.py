"""The integrations service's metrics: the runtime's, and how webhook deliveries go."""

from prometheus_client import Counter, Gauge

from leisure_runtime.metrics import PREFIX, RuntimeMetrics


class IntegrationsMetrics(RuntimeMetrics):
    def __init__(self, service_name: str) -> None:
        super().__init__(service_name)
        self.webhook_deliveries = Counter(
            f"{PREFIX}_webhook_deliveries_total",
            "Webhook delivery tries by outcome: delivered, retrying (failed, tried again later), given_up",
            ["outcome"], registry=self.registry,
        ).labels
        self.webhook_subscriptions_disabled = Counter(
            f"{PREFIX}_webhook_subscriptions_disabled_total",
            "Subscriptions disabled after failing too many deliveries in a row", registry=self.registry,
        )
        self.webhook_pending = Gauge(
            f"{PREFIX}_webhook_pending_deliveries", "Deliveries not yet delivered nor given up",
            registry=self.registry,
        )

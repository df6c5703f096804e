"""The integrations service's configuration: the runtime's settings plus its own (`INTEGRATIONS_…`)."""

from pydantic import Field

from integrations.domain.webhooks import DeliveryRules
from leisure_runtime.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    public_stream_consumer: str = Field(
        default="integrations-public-stream",
        description="Consumer group (and dedupe name) that republishes cards and visits as public events")
    webhook_consumer: str = Field(
        default="integrations-webhooks", description="Consumer group (and dedupe name) that queues webhook deliveries")
    webhook_max_attempts: int = Field(default=12, ge=1, description="Tries of one delivery before it is given up")
    webhook_backoff_seconds: float = Field(default=5.0, gt=0, description="Delay after the first failed try; doubles")
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0, description="Longest delay between tries")
    webhook_disable_after_failures: int = Field(
        default=20, ge=1, description="Failed tries in a row (any delivery) that disable a subscription")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="How long a receiver has to answer")
    webhook_poll_interval_seconds: float = Field(default=1.0, gt=0, description="How often due deliveries are looked for")
    webhook_batch_size: int = Field(default=50, ge=1, le=1000, description="Deliveries sent at once")

    def delivery_rules(self) -> DeliveryRules:
        return DeliveryRules(self.webhook_max_attempts, self.webhook_backoff_seconds,
                             self.webhook_backoff_max_seconds, self.webhook_disable_after_failures)

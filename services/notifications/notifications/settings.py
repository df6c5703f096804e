"""The notifications service's configuration: the runtime's settings plus its own (`NOTIFICATIONS_…`)."""

from typing import Literal

from pydantic import Field

from leisure_runtime.settings import ServiceSettings

LOCAL_INBOUND_SECRET = "local-inbound-sms-secret-change-me"
"""Public, in this repository: good for the local gateway only."""


class NotificationsSettings(ServiceSettings):
    cards_consumer: str = Field(default="notifications-cards",
                                description="Consumer group (and dedupe name) following cards")
    offers_consumer: str = Field(default="notifications-offers",
                                 description="Consumer group (and dedupe name) sending new offers")
    sms_gateway: Literal["local", "gatewayapi"] = Field(
        default="local", description="`gatewayapi` in production; `local` records what would be sent (local mode only)")
    sms_gateway_url: str = Field(default="https://gatewayapi.com/rest/mtsms", description="The gateway's send URL")
    sms_gateway_token: str = Field(default="", description="The gateway's API token")
    sms_sender: str = Field(default="LeisurePass", max_length=11, description="Sender name shown to holders")
    sms_inbound_secret: str = Field(default=LOCAL_INBOUND_SECRET,
                                    description="Bearer secret the gateway sends with holders' replies")
    sms_max_attempts: int = Field(default=8, ge=1, description="Tries of one message before it is given up")
    sms_backoff_seconds: float = Field(default=10.0, gt=0, description="Delay after the first failed try; doubles")
    sms_backoff_max_seconds: float = Field(default=3600.0, gt=0, description="Longest delay between tries")
    sms_timeout_seconds: float = Field(default=10.0, gt=0, description="How long the gateway has to answer")
    sms_poll_interval_seconds: float = Field(default=1.0, gt=0, description="How often due messages are looked for")
    sms_batch_size: int = Field(default=50, ge=1, le=1000, description="Messages sent at once")
    broadcast_max_recipients: int = Field(default=2000, ge=1, description="Most holders one coordinator message reaches")
    expiry_sweep_seconds: float = Field(default=3600.0, gt=0,
                                        description="How often numbers of expired cards are erased")
    lookup_rate_per_minute: float = Field(default=30, gt=0, description="Card-number requests per token subject")
    lookup_burst: int = Field(default=20, ge=1, description="Card-number requests a subject may make at once")

    def public_secrets(self) -> list[str]:
        public = super().public_secrets()
        if self.sms_inbound_secret == LOCAL_INBOUND_SECRET:
            public.append("SMS_INBOUND_SECRET")
        if self.sms_gateway == "local":
            public.append("SMS_GATEWAY")  # the recorder sends nothing: holders would never get a message
        elif not self.sms_gateway_token:
            public.append("SMS_GATEWAY_TOKEN")
        return public

    def retry_delay(self, attempts: int) -> float:
        return min(self.sms_backoff_seconds * 2 ** (attempts - 1), self.sms_backoff_max_seconds)

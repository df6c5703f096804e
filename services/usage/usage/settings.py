"""Usage's configuration: the runtime's settings plus the few of its own (`USAGE_TIMEZONE`, …)."""

from pydantic import Field

from leisure_runtime.settings import ServiceSettings


class UsageSettings(ServiceSettings):
    timezone: str = Field(default="Europe/Helsinki", description="Where a visit's day begins and ends")
    read_model_consumer: str = Field(
        default="usage-read-models",
        description="Consumer group (and dedupe name) of the read models: one per usage database")
    lag_check_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the read models' lag behind the topics is measured"
    )
    unknown_card_rate_per_minute: float = Field(
        default=30, gt=0, description="Visits refused as card_unknown per token subject, sustained")
    unknown_card_burst: int = Field(default=20, ge=1, description="Visits refused as card_unknown at once")

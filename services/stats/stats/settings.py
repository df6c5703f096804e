"""The stats service's configuration: the runtime's settings and what only statistics need."""

from pydantic import Field, SecretStr

from leisure_runtime.settings import ServiceSettings


class StatsSettings(ServiceSettings):
    holder_hash_key: SecretStr = Field(
        default=SecretStr("local-stats-holder-hash-key-change-me"), min_length=32,
        description="HMAC-SHA256 key that turns card numbers into pseudonyms; changing it needs a rebuild",
    )
    record_key_secret: SecretStr = Field(
        default=SecretStr("local-stats-record-key-secret-change-me"), min_length=32,
        description="HMAC-SHA256 key of the records' keys that perturb every published count; "
                    "changing it needs a rebuild, and moves every figure",
    )
    ready_max_behind_seconds: float = Field(
        default=300.0, gt=0, description="/ready fails when the projection is further behind the newest event")
    projection_name: str = Field(
        default="stats-projection", pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
        description="The projection's consumer group, and the name its applied events are recorded under")
    consumer_batch_size: int = Field(default=2000, ge=1, le=10_000, description="Events applied per transaction")

    def public_secrets(self) -> list[str]:
        defaults = type(self).model_fields
        public = [name.upper() for name in ("holder_hash_key", "record_key_secret")
                  if getattr(self, name) == defaults[name].default]
        return super().public_secrets() + public

"""Configuration from environment variables, one prefix per service (`ISSUANCE_DATABASE_URL`, …)."""

from typing import Literal, Self

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


LOCAL_JWT_SECRET = "local-development-secret-change-me"
"""Public, in this repository: good for local tokens only."""


class InsecureSettings(Exception):
    """A setting still has its public development default outside local mode."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str
    environment: Literal["local", "production"] = Field(
        default="production",
        description="`local` (make run, tests, bench) allows the public development defaults of secrets",
    )
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    database_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_idempotent_producer: bool = Field(
        default=True, description="Off only for brokers without InitProducerId (the local Tansu)"
    )
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    relay_poll_interval_seconds: float = 1.0
    relay_batch_size: int = 1_000
    relay_parked_retry_seconds: float = Field(
        default=300, gt=0, description="How often events the broker refused (parked) are tried again")
    relay_check_interval_seconds: float = Field(
        default=5.0, gt=0,
        description="How often the events waiting for the broker are measured and its end offsets compared")
    jwt_secret: str = LOCAL_JWT_SECRET
    jwt_issuer: str = "leisure-pass"
    jwt_audience: str = "leisure-pass"
    jwks_url: str | None = None
    jwks_cache_seconds: float = Field(default=300, gt=0, description="How long JWKS signing keys are trusted "
                                                                     "before the key set is fetched again")
    request_max_bytes: int = Field(default=64 * 1024, gt=0, description="Larger request bodies get 413")
    event_max_bytes: int = Field(
        default=256 * 1024, gt=0,
        description="Larger events are refused when written: well below the broker's 1 MiB message limit")
    log_level: str = "INFO"

    @classmethod
    def for_service(cls, service_name: str, **overrides) -> "ServiceSettings":
        """Read the service's variables: `<SERVICE>_<FIELD>`, e.g. `USAGE_HTTP_PORT`."""
        return cls(service_name=service_name, _env_prefix=f"{service_name.upper()}_", **overrides)

    @classmethod
    def of(cls, settings: "ServiceSettings", **overrides) -> Self:
        """A service's own settings class from plain service settings (as the test harness makes
        them) and `overrides`, reading that service's own variables (`<SERVICE>_…`) from the
        environment for the rest."""
        if isinstance(settings, cls) and not overrides:
            return settings
        return cls(_env_prefix=f"{settings.service_name.upper()}_", **(settings.model_dump() | overrides))

    def public_secrets(self) -> list[str]:
        """Variables (after the prefix) whose value is still a public development default; a
        service with secrets of its own adds them."""
        return [] if self.jwks_url or self.jwt_secret != LOCAL_JWT_SECRET else ["JWT_SECRET"]

    def refuse_public_secrets(self) -> None:
        """Raise InsecureSettings, naming the variables to set, unless in local mode or none is public."""
        if self.environment == "local" or not (public := self.public_secrets()):
            return
        prefix = f"{self.service_name.upper()}_"
        names = ", ".join(prefix + name for name in public)
        raise InsecureSettings(
            f"{self.service_name} will not start with the public development value of {names}: it is published "
            f"in the Leisure Pass repository. Set {names} (for the JWT secret, {prefix}JWKS_URL of the identity "
            f"provider will do instead), or {prefix}ENVIRONMENT=local on a development machine.")

"""Configuration from environment variables, one prefix per service (`ISSUANCE_DATABASE_URL`, …)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str
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
    relay_check_interval_seconds: float = Field(
        default=5.0, gt=0,
        description="How often the events waiting for the broker are measured and its end offsets compared")
    jwt_secret: str = "local-development-secret-change-me"
    jwt_issuer: str = "leisure-pass"
    jwt_audience: str = "leisure-pass"
    jwks_url: str | None = None
    log_level: str = "INFO"

    @classmethod
    def for_service(cls, service_name: str, **overrides) -> "ServiceSettings":
        """Read the service's variables: `<SERVICE>_<FIELD>`, e.g. `USAGE_HTTP_PORT`."""
        return cls(service_name=service_name, _env_prefix=f"{service_name.upper()}_", **overrides)

"""The console's configuration: `CONSOLE_*` environment variables."""

from pydantic import AnyHttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    issuance_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8001")
    venues_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8002")
    usage_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8003")
    stats_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8004")
    upstream_timeout_seconds: float = 15.0
    oidc_issuer: str | None = None
    """Production sign-in: the identity provider's issuer URL (see README, Signing in)."""
    oidc_client_id: str | None = None
    log_level: str = "INFO"

    @property
    def sign_in_configured(self) -> bool:
        """Both the provider and the client id: otherwise staff sign in with a pasted token."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    def upstreams(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/")
                for name in ("issuance", "venues", "usage", "stats")}

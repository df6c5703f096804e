"""The issuance service: programmes, distributors and cards. `uvicorn issuance.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from issuance.adapters import cards_api, http, programmes_api
from issuance.adapters.metrics import IssuanceMetrics
from issuance.domain.card_number import CardNumbers
from issuance.settings import IssuanceSettings
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.rate_limit import RateLimit
from leisure_runtime.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = IssuanceSettings.of(settings) if settings else IssuanceSettings.for_service("issuance")
    app = create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — issuance",
        description="Distributors issue, renew, revoke and replace cards; staff look cards up by number; "
                    "coordinators manage programmes and distributors. No personal data is accepted.",
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[programmes_api.router, cards_api.router],
        metrics=IssuanceMetrics(settings.service_name),
    ))
    app.state.card_numbers = CardNumbers(settings.card_number_key.get_secret_value())
    app.state.lookup_limit = RateLimit(settings.lookup_rate_per_minute, settings.lookup_burst,
                                       code="too_many_lookups", what="card look-ups")
    return app


app = create_app()

"""The issuance service: programmes, distributors and cards. `uvicorn issuance.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from issuance.adapters.api import router
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(ServiceDefinition(
        settings=settings or ServiceSettings.for_service("issuance"),
        title="Leisure Pass — issuance",
        description="Distributors issue, renew and revoke cards; coordinators manage programmes and distributors.",
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router],
    ))


app = create_app()

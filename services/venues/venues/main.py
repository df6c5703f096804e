"""The venues service: venues, their offers and the public catalogue. `uvicorn venues.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.settings import ServiceSettings
from venues.adapters import api, catalogue_api
from venues.adapters.metrics import VenuesMetrics
from venues.adapters.places import places

DESCRIPTION = (
    "Coordinators register venues; venue staff publish free tickets, course places and free entry for card "
    "holders; anyone searches the catalogue of open offers, with the places left."
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings.for_service("venues")
    return create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — venues",
        description=DESCRIPTION,
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[api.router, catalogue_api.router],
        consumers=[places],
        metrics=VenuesMetrics(settings.service_name),
    ))


app = create_app()

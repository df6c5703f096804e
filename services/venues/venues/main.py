"""The venues service. `uvicorn venues.main:app`."""

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.settings import ServiceSettings

DESCRIPTION = "Venues, their offers and the public catalogue."


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(ServiceDefinition(
        settings=settings or ServiceSettings.for_service("venues"),
        title="Leisure Pass — venues",
        description=DESCRIPTION,
    ))


app = create_app()

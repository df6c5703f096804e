"""The usage service. `uvicorn usage.main:app`."""

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.settings import ServiceSettings

DESCRIPTION = "Recording visits at venues: card and offer checks, quotas, rewards."


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(ServiceDefinition(
        settings=settings or ServiceSettings.for_service("usage"),
        title="Leisure Pass — usage",
        description=DESCRIPTION,
    ))


app = create_app()

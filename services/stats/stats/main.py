"""The stats service: anonymised aggregates built from every topic. `uvicorn stats.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.settings import ServiceSettings
from stats.adapters.api import router
from stats.adapters.projection import projection


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(ServiceDefinition(
        settings=settings or ServiceSettings.for_service("stats"),
        title="Leisure Pass — statistics",
        description="Anonymised figures on holders and uses; cells below the threshold are suppressed.",
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router],
        consumers=[projection],
        publishes_events=False,
    ))


app = create_app()

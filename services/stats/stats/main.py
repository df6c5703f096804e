"""The stats service: anonymised aggregates built from every topic. `uvicorn stats.main:app`."""

from pathlib import Path

from fastapi import FastAPI
from prometheus_client import Gauge

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.metrics import PREFIX, RuntimeMetrics
from leisure_runtime.settings import ServiceSettings
from stats.adapters.api import router
from stats.adapters.freshness import Freshness
from stats.adapters.projection import create_projection
from stats.adapters.welfare_api import router as welfare_router
from stats.settings import StatsSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = StatsSettings.of(settings) if settings else StatsSettings.for_service("stats")
    metrics = RuntimeMetrics(settings.service_name)
    projection = create_projection(settings)
    freshness = Freshness(projection)
    Gauge(f"{PREFIX}_stats_projection_behind_seconds",
          "Seconds the statistics lag behind the newest event on their topics (0: caught up)",
          registry=metrics.registry).set_function(freshness.behind_seconds)

    async def projection_fresh(_app: FastAPI) -> bool:
        return freshness.behind_seconds() <= settings.ready_max_behind_seconds

    app = create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — statistics",
        description="Anonymised figures on holders and uses by year, quarter or month; every count is "
                    "perturbed by the cell-key method, so no count from 1 to 4 is shown and differencing "
                    "two answers gives noise, not a person.",
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router, welfare_router],
        consumers=[projection],
        publishes_events=False,
        metrics=metrics,
        readiness_checks={"projection": projection_fresh},
    ))
    app.state.freshness = freshness
    return app


app = create_app()

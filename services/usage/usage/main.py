"""The usage service: records visits at venues against its own read models of cards and offers.
`uvicorn usage.main:app`."""

import contextlib
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.rate_limit import RateLimit
from leisure_runtime.settings import ServiceSettings
from usage.adapters.api import card_unknown, not_recorded, router
from usage.adapters.lag import ReadModelLag
from usage.adapters.metrics import UsageMetrics
from usage.adapters.read_models import TOPICS, read_models_consumer
from usage.application.context import Usage
from usage.application.record_visit import record_batch
from usage.application.visit_batches import NotRecorded, Stopping, VisitBatches
from usage.domain.knowledge import CardUnknown
from usage.settings import UsageSettings

DESCRIPTION = "Recording visits at venues: card and offer checks, quotas, rewards."


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = UsageSettings.of(settings or UsageSettings.for_service("usage"))
    zone = ZoneInfo(settings.timezone)
    metrics = UsageMetrics(settings.service_name)
    lag = ReadModelLag(settings.kafka_bootstrap_servers, settings.read_model_consumer, TOPICS, metrics,
                       settings.lag_check_interval_seconds)

    async def read_models_state(_app: FastAPI) -> str:
        return lag.state()
    app = create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — usage",
        description=DESCRIPTION,
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router],
        consumers=[read_models_consumer(settings.read_model_consumer, zone)],
        metrics=metrics,
        # A visit is decided on usage's own database and its event waits in the outbox: the
        # broker's state is reported, and a broker pause does not take usage out of service.
        ready_needs_broker=False,
        readiness_notes={"read_models": read_models_state},
    ))
    app.state.unknown_card_limit = RateLimit(settings.unknown_card_rate_per_minute, settings.unknown_card_burst,
                                             code="too_many_unknown_cards", what="unknown card numbers")
    app.add_exception_handler(CardUnknown, card_unknown)
    app.add_exception_handler(NotRecorded, not_recorded)
    app.add_exception_handler(Stopping, not_recorded)
    runtime_lifespan = app.router.lifespan_context

    # The runtime's lifespan opens the pool; the lag probe, the visit batches and the handlers'
    # wiring need it. Queued visits are written (or refused with a 503) before the pool closes.
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        async with runtime_lifespan(app):
            store = app.state.event_store
            visits = VisitBatches(app.state.pool, partial(record_batch, store, zone), metrics)
            app.state.usage = Usage(app.state.pool, store, zone, metrics, lag, visits)
            await lag.start(app.state.pool)
            visits.start()
            try:
                yield
            finally:
                await visits.stop()
                await lag.stop()

    app.router.lifespan_context = lifespan
    return app


app = create_app()

"""The integrations service: the public event stream and signed webhooks for integrators.
`uvicorn integrations.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from integrations.adapters.api import router
from integrations.adapters.consumers import public_stream_consumer, webhook_consumer
from integrations.adapters.dispatcher import WebhookDispatcher
from integrations.adapters.metrics import IntegrationsMetrics
from integrations.settings import IntegrationsSettings
from leisure_runtime.app import ServiceDefinition, create_service_app, run_beside
from leisure_runtime.event_store import EventStore
from leisure_runtime.settings import ServiceSettings

DESCRIPTION = ("Integrators' access to events: a public stream without card numbers, and signed webhooks "
               "with retries and a delivery log.")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = IntegrationsSettings.of(settings or IntegrationsSettings.for_service("integrations"))
    metrics = IntegrationsMetrics(settings.service_name)
    app = create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — integrations",
        description=DESCRIPTION,
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router],
        consumers=[public_stream_consumer(settings.public_stream_consumer, EventStore()),
                   webhook_consumer(settings.webhook_consumer)],
        metrics=metrics,
    ))
    run_beside(app, lambda app: WebhookDispatcher(app.state.pool, settings, metrics))
    return app


app = create_app()

"""The notifications service: SMS news to holders who consented, their numbers kept only here.
`uvicorn notifications.main:app`."""

from pathlib import Path

from fastapi import FastAPI

from leisure_runtime.app import ServiceDefinition, create_service_app, run_beside
from leisure_runtime.rate_limit import RateLimit
from leisure_runtime.settings import ServiceSettings
from notifications.adapters.api import local_gateway_router, router
from notifications.adapters.consumers import cards_consumer, offers_consumer
from notifications.adapters.dispatcher import Dispatcher
from notifications.adapters.gateways import GatewayApi, RecordingGateway, SmsGateway
from notifications.adapters.metrics import NotificationsMetrics
from notifications.settings import NotificationsSettings

DESCRIPTION = ("SMS news for card holders who consent at the desk: coordinators' messages and new offers of "
               "the categories they chose. Phone numbers are kept only here, and erased on opt-out, revocation "
               "and expiry.")


def gateway_of(settings: NotificationsSettings) -> SmsGateway:
    if settings.sms_gateway == "local":
        return RecordingGateway()
    return GatewayApi(settings.sms_gateway_url, settings.sms_gateway_token, settings.sms_sender,
                      settings.sms_timeout_seconds)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = NotificationsSettings.of(settings or NotificationsSettings.for_service("notifications"))
    metrics = NotificationsMetrics(settings.service_name)
    local_gateway = settings.sms_gateway == "local"
    app = create_service_app(ServiceDefinition(
        settings=settings,
        title="Leisure Pass — notifications",
        description=DESCRIPTION,
        migrations=Path(__file__).parent / "adapters" / "migrations",
        routers=[router, *([local_gateway_router] if local_gateway else [])],
        consumers=[cards_consumer(settings.cards_consumer, metrics), offers_consumer(settings.offers_consumer)],
        publishes_events=False,
        metrics=metrics,
    ))
    app.state.lookup_limit = RateLimit(settings.lookup_rate_per_minute, settings.lookup_burst,
                                       code="too_many_lookups", what="card-number requests")

    def dispatcher(app: FastAPI) -> Dispatcher:
        app.state.sms_gateway = gateway_of(settings)
        return Dispatcher(app.state.pool, app.state.sms_gateway, settings, metrics)

    run_beside(app, dispatcher)
    return app


app = create_app()

"""The integrations service in the test's event loop on a fresh database and the test broker, a
real HTTP receiver for its webhooks, and builders of the internal events it republishes."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from aiohttp import web

from integrations.main import create_app
from integrations.settings import IntegrationsSettings
from leisure_contracts.card_numbers import check_digit
from leisure_contracts.events import CardIssued, VisitRecorded
from leisure_infra.http_testing import serving
from leisure_infra.service_testing import app_runner


@pytest.fixture(scope="session")
def consumer_groups_suffix():
    """One suffix for the whole run: each test's app goes on where the last one stopped reading,
    instead of republishing every event that earlier tests put on the topics."""
    return uuid4().hex[:8]


@pytest.fixture
def integrations_settings(service_settings, consumer_groups_suffix):
    """`integrations_settings(**changes)`: a fresh database, this run's consumer groups, quick retries.
    Events from before a test may still reach its subscriptions: tests look for their own."""

    def make(**changes) -> IntegrationsSettings:
        suffix = consumer_groups_suffix
        return IntegrationsSettings.of(service_settings("integrations")).model_copy(update={
            "public_stream_consumer": f"integrations-public-stream-{suffix}",
            "webhook_consumer": f"integrations-webhooks-{suffix}",
            "webhook_backoff_seconds": 0.2, "webhook_backoff_max_seconds": 2.0,
            "webhook_poll_interval_seconds": 0.1, "webhook_timeout_seconds": 2.0, **changes})

    return make


@pytest.fixture
def integrations():
    """`async with integrations(settings) as (app, client)`: the service running; may be restarted."""

    return app_runner(create_app)


@dataclass
class Receiver:
    """An integrator's HTTP endpoint: records every request, answers `status`."""

    status: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status)

    def for_event(self, event_id: str) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for headers, body in self.requests if headers.get("Leisure-Event-Id") == event_id]


@pytest.fixture
def receiver():
    return Receiver()


def _receiving(receiver: Receiver, port: int = 0):
    return serving("/hooks/leisure", receiver.handle, port)


@pytest.fixture
def receiving():
    """`async with receiving(receiver, port=0) as url`: the receiver served over real HTTP."""
    return _receiving


def new_card_number() -> str:
    payload = f"{uuid4().int % 10 ** 11:011d}"
    return payload + check_digit(payload)


def _card_issued() -> CardIssued:
    today = date.today()
    return CardIssued.model_validate({
        "card_id": uuid4(), "card_number": new_card_number(), "programme_id": "culture-card",
        "distributor_id": "espoo-social-office", "distributor_kind": "social_office",
        "home_region": "uusimaa", "accepted_regions": ["uusimaa"],
        "valid_from": today, "valid_until": today + timedelta(days=365), "children_allowance": 2,
        "escort_free": True,
        "background": {"age_band": "35_44", "gender": "female", "mother_tongue": "swedish",
                       "life_situation": "student", "postal_code": "02100", "children_under_16": 2},
        "issued_at": datetime.now(timezone.utc)})


def _visit_recorded(card: CardIssued) -> VisitRecorded:
    now = datetime.now(timezone.utc)
    return VisitRecorded(
        visit_id=uuid4(), card_id=card.card_id, card_number=card.card_number, programme_id=card.programme_id,
        card_region=card.home_region, offer_id=uuid4(), venue_id=uuid4(), venue_kind="theatre", region="uusimaa",
        category="culture", tickets=2, children=1, occurred_at=now, recorded_at=now)


@pytest.fixture
def card_issued():
    """`card_issued()`: a CardIssued of a fresh card, as issuance publishes it."""
    return _card_issued


@pytest.fixture
def visit_recorded():
    """`visit_recorded(card)`: a VisitRecorded of the card at a fresh offer, as usage publishes it."""
    return _visit_recorded

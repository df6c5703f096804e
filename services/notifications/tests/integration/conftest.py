"""The notifications service in the test's event loop on a fresh database and the test broker,
tokens, and the card and offer events it follows, put on their topics as issuance and venues do."""

from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.card_numbers import check_digit
from leisure_contracts.events import CardIssued, OfferPublished
from leisure_infra.service_testing import app_runner, bearer, eventually
from leisure_runtime.auth import Role
from notifications.main import create_app
from notifications.settings import NotificationsSettings

INBOUND = {"Authorization": "Bearer local-inbound-sms-secret-change-me"}


@pytest.fixture(scope="session")
def consumer_groups_suffix():
    """One suffix for the whole run: each test's app goes on where the last one stopped reading."""
    return uuid4().hex[:8]


@pytest.fixture
def notifications_settings(service_settings, consumer_groups_suffix):
    """`notifications_settings(**changes)`: a fresh database, this run's consumer groups, quick tries."""

    def make(**changes) -> NotificationsSettings:
        return NotificationsSettings.of(service_settings("notifications")).model_copy(update={
            "cards_consumer": f"notifications-cards-{consumer_groups_suffix}",
            "offers_consumer": f"notifications-offers-{consumer_groups_suffix}",
            "sms_poll_interval_seconds": 0.1, "sms_backoff_seconds": 0.2, "sms_backoff_max_seconds": 1.0,
            "sms_timeout_seconds": 2.0, **changes})

    return make


@pytest.fixture
def notifications():
    """`async with notifications(settings) as (app, client)`: the service running; may be restarted."""

    return app_runner(create_app)


def worker(region: str = "varsinais-suomi") -> dict:
    return bearer(Role.distributor, f"worker-{uuid4().hex[:8]}", region=region, organisation="turku-social-office")


def coordinator(region: str = "varsinais-suomi") -> dict:
    return bearer(Role.coordinator, f"coordinator-{uuid4().hex[:8]}", region=region)


def new_card_number() -> str:
    payload = f"{uuid4().int % 10 ** 11:011d}"
    return payload + check_digit(payload)


def card_issued(region: str = "varsinais-suomi", programme_id: str | None = None,
                valid_until: date | None = None) -> CardIssued:
    today = date.today()
    return CardIssued.model_validate({
        "card_id": uuid4(), "card_number": new_card_number(), "programme_id": programme_id or "sport-wristband",
        "distributor_id": "turku-social-office", "distributor_kind": "social_office",
        "home_region": region, "accepted_regions": [region], "valid_from": today,
        "valid_until": valid_until or today + timedelta(days=180), "children_allowance": 0, "escort_free": False,
        "background": {"age_band": "25_34", "gender": "not_told", "mother_tongue": "finnish",
                       "life_situation": "unemployed", "postal_code": "20100", "children_under_16": 0},
        "issued_at": datetime.now(timezone.utc)})


def offer_published(category: str = "sport", programmes: tuple[str, ...] = ("sport-wristband",),
                    region: str = "varsinais-suomi", title: str = "Uintivuoro") -> OfferPublished:
    return OfferPublished.model_validate({
        "offer_id": uuid4(), "venue_id": uuid4(), "venue_kind": "swimming_hall", "region": region,
        "municipality": "Turku", "category": category, "kind": "free_entry", "title": {"fi": title},
        "max_tickets_per_visit": 1, "accepted_programmes": list(programmes), "accepted_regions": [region],
        "published_at": datetime.now(timezone.utc)})


async def known_card(client, card: CardIssued) -> None:
    """Wait until the service has consumed the card: a consent for it is then taken."""

    async def known():
        response = await client.get(f"/v1/cards/{card.card_number}/sms-consent", headers=coordinator(card.home_region))
        return response.json().get("code") == "no_consent"

    await eventually(known)


async def consent(client, card: CardIssued, phone_number: str = "040 123 4567", categories=("sport",),
                  language: str = "fi", headers: dict | None = None):
    return await client.put(f"/v1/cards/{card.card_number}/sms-consent", headers=headers or worker(card.home_region),
                            json={"phone_number": phone_number, "categories": list(categories), "language": language})


async def recorded(client) -> list[dict]:
    return (await client.get("/v1/local-gateway/messages")).json()


class Kit:
    """The helpers above, as a fixture: test modules cannot import the conftest."""

    inbound = INBOUND
    worker = staticmethod(worker)
    coordinator = staticmethod(coordinator)
    card_issued = staticmethod(card_issued)
    offer_published = staticmethod(offer_published)
    known_card = staticmethod(known_card)
    consent = staticmethod(consent)
    recorded = staticmethod(recorded)


@pytest.fixture
def kit() -> Kit:
    return Kit()

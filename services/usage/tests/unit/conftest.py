"""Builders of the views a visit is decided on: a card and an offer that accept each other."""

from dataclasses import replace
from datetime import date, datetime, timezone
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from leisure_contracts.events.cards import RewardRule
from leisure_contracts.card_numbers import check_digit
from usage.domain.views import CardAtVisit, OfferAtVisit, OfferTerms

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
ZONE = ZoneInfo("Europe/Helsinki")


def numbered(payload: str) -> str:
    return payload + check_digit(payload)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def zone() -> ZoneInfo:
    return ZONE


@pytest.fixture
def card_number():
    """`card_number("12345678901")`: the payload with its check digit."""
    return numbered


@pytest.fixture
def card():
    def build(**changes) -> CardAtVisit:
        return replace(CardAtVisit(
            card_id=uuid4(), card_number=numbered("12345678901"), programme_id="culture-card",
            distributor_id="espoo-social-office", home_region="uusimaa",
            accepted_regions=("uusimaa", "varsinais-suomi"), valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31), children_allowance=2, escort_free=True, yearly_use_limit=None,
            reward_rule=None, revoked_at=None, revocation_reason=None,
        ), **changes)

    return build


@pytest.fixture
def reward_rule():
    return lambda every: RewardRule(every_visits=every, description="Two cinema tickets")


@pytest.fixture
def offer():
    def build(quota: int | None = 10, tickets_taken: int = 0, **terms) -> OfferAtVisit:
        return OfferAtVisit(
            offer_id=uuid4(), venue_id=uuid4(), venue_kind="theatre", region="uusimaa", category="culture",
            published_at=terms.pop("published_at", datetime(2026, 1, 1, tzinfo=timezone.utc)),
            withdrawn_at=terms.pop("withdrawn_at", None),
            terms=OfferTerms(**{
                "starts_at": None, "ends_at": None, "max_tickets_per_visit": 4,
                "accepted_programmes": ("culture-card",), "accepted_regions": ("uusimaa",), **terms}),
            quota=quota, tickets_taken=tickets_taken,
        )

    return build

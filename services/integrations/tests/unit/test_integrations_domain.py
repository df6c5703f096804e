"""The pure rules: what goes public, signatures, retry delays, what may be subscribed to."""

import json
from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from integrations.domain.public_events import public_event_of, public_stream_of
from integrations.domain.signatures import is_authentic, new_secret, signature
from integrations.domain.webhooks import SUBSCRIBABLE, DeliveryRules, check_event_types, check_url
from leisure_contracts.events import CardIssued, CardRenewed, PublicCardIssued, PublicVisitRecorded, VisitRecorded
from leisure_runtime.errors import Rejected

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
CARD_NUMBER = "123456789018"


def card_issued() -> CardIssued:
    return CardIssued(
        card_id=uuid4(), card_number=CARD_NUMBER, programme_id="culture-card",
        distributor_id="espoo-social-office", distributor_kind="social_office", home_region="uusimaa",
        accepted_regions=["uusimaa"], valid_from=date(2026, 11, 24), valid_until=date(2027, 11, 23),
        children_allowance=2, escort_free=True,
        background={"age_band": "25_34", "gender": "female", "mother_tongue": "somali",
                    "life_situation": "unemployed", "postal_code": "02100", "children_under_16": 1},
        issued_at=NOW)


def visit_recorded() -> VisitRecorded:
    return VisitRecorded(
        visit_id=uuid4(), card_id=uuid4(), card_number=CARD_NUMBER, programme_id="culture-card",
        card_region="uusimaa", offer_id=uuid4(), venue_id=uuid4(), venue_kind="theatre", region="uusimaa",
        category="culture", tickets=2, children=1, occurred_at=NOW, recorded_at=NOW)


def test_a_public_card_keeps_only_the_age_band_of_the_background_and_no_card():
    issued = card_issued()
    public = public_event_of(issued)
    assert isinstance(public, PublicCardIssued)
    text = public.model_dump_json()
    for private in (CARD_NUMBER, str(issued.card_id), "02100", "somali", "female", "unemployed"):
        assert private not in text
    assert public.age_band == "25_34" and public.home_region == "uusimaa"


def test_a_public_visit_names_no_card_and_is_keyed_by_offer():
    visit = visit_recorded()
    public = public_event_of(visit)
    assert isinstance(public, PublicVisitRecorded)
    assert CARD_NUMBER not in public.model_dump_json() and str(visit.card_id) not in public.model_dump_json()
    assert public.key() == str(visit.offer_id)
    assert public_stream_of(public, "source-event") == str(visit.visit_id)


def test_events_without_a_public_counterpart_stay_internal():
    assert public_event_of(CardRenewed(card_id=uuid4(), card_number=CARD_NUMBER, valid_until=date(2028, 1, 1),
                                       renewed_at=NOW)) is None


def test_a_signature_verifies_only_with_the_secret_body_and_a_recent_time():
    secret, body = new_secret(), json.dumps({"id": "x"}).encode()
    header = signature(secret, 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert is_authentic(secret, header, body, now=1_700_000_010)
    assert not is_authentic(secret, header, body + b" ", now=1_700_000_010)
    assert not is_authentic(new_secret(), header, body, now=1_700_000_010)
    assert not is_authentic(secret, header, body, now=1_700_001_000)  # replayed later
    assert not is_authentic(secret, "v1=abc", body, now=1_700_000_000)


def test_retry_delays_double_up_to_the_maximum_and_rules_say_when_to_stop():
    rules = DeliveryRules(max_attempts=5, backoff_seconds=2, backoff_max_seconds=10, disable_after_failures=3)
    assert [rules.retry_delay(n) for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert not rules.gives_up(4) and rules.gives_up(5)
    assert not rules.disables(2) and rules.disables(3)


def test_only_public_event_types_can_be_subscribed_to():
    assert "fi.leisurepass.public.visit.recorded.v1" in SUBSCRIBABLE
    assert "fi.leisurepass.offer.published.v1" in SUBSCRIBABLE
    assert "fi.leisurepass.visit.recorded.v1" not in SUBSCRIBABLE
    with pytest.raises(Rejected) as internal:
        check_event_types(["fi.leisurepass.visit.recorded.v1"])
    assert "internal" in internal.value.message
    assert "subscribe to fi.leisurepass.public.visit.recorded.v1 instead" in internal.value.message
    with pytest.raises(Rejected, match="is not an event type"):
        check_event_types(["fi.leisurepass.visit.exploded.v1"])
    with pytest.raises(Rejected, match="at least one"):
        check_event_types([])


@pytest.mark.parametrize("url", ["ftp://example.test/hook", "/relative", "https://user:pw@example.test/"])
def test_a_webhook_url_must_be_an_absolute_http_address_without_credentials(url):
    with pytest.raises(Rejected):
        check_url(url)
    assert check_url("https://example.test/hook") == "https://example.test/hook"

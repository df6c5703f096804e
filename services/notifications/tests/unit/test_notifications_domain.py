from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import OfferPublished
from leisure_runtime.errors import Rejected
from notifications.domain.messages import Language, is_opt_out, offer_is_over, offer_message
from notifications.domain.phone_numbers import from_gateway, masked, normalised
from notifications.settings import NotificationsSettings

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("typed", ["040 123 4567", "040-1234567", "+358 40 123 4567", "00358401234567",
                                   "(040) 123 4567", "+358401234567"])
def test_a_finnish_mobile_number_is_kept_in_one_form(typed):
    assert normalised(typed) == "+358401234567"


def test_an_international_number_keeps_its_country_code():
    assert normalised("+46 70 123 45 67") == "+46701234567"


@pytest.mark.parametrize("typed", ["Matti", "99", "040 123 4567 ext 5", "+0401234567", "０４０１２３４５６７",
                                   "+3584012345678901234"])
def test_what_is_not_a_number_is_refused_without_repeating_it(typed):
    with pytest.raises(Rejected) as refused:
        normalised(typed)
    assert refused.value.code == "invalid_phone_number"
    assert typed not in refused.value.message


def test_a_number_is_shown_masked():
    assert masked("+358401234567") == "+35840*****67"
    assert "1234" not in masked("+358401234567")


def test_the_gateway_number_is_read_with_or_without_a_plus():
    assert from_gateway(358401234567) == from_gateway("+358401234567") == "+358401234567"


@pytest.mark.parametrize("reply, stops", [("STOP", True), ("lopeta", True), ("Sluta!", True), (" Stop please", True),
                                          ("LOPETA.", True), ("stopper", False), ("kiitos", False), ("", False),
                                          ("please stop", False)])
def test_a_reply_stops_the_messages_when_its_first_word_is_a_keyword(reply, stops):
    assert is_opt_out(reply) is stops


def offer(**changes) -> OfferPublished:
    return OfferPublished.model_validate({
        "offer_id": uuid4(), "venue_id": uuid4(), "venue_kind": "theatre", "region": "varsinais-suomi",
        "municipality": "Turku", "category": "sport", "kind": "free_entry",
        "title": {"fi": "Uintivuoro", "sv": "Simtur"}, "max_tickets_per_visit": 1,
        "accepted_programmes": ["sport-wristband"], "accepted_regions": ["varsinais-suomi"],
        "published_at": NOW, **changes})


def test_an_offer_message_is_in_the_holder_language_and_says_how_to_stop():
    assert offer_message(offer(), Language.SV) == "Nytt erbjudande: Simtur\nAvsluta: svara SLUTA"
    assert offer_message(offer(), Language.EN) == "New offer: Uintivuoro\nTo stop these messages, reply STOP"


def test_an_offer_message_tells_the_finnish_start_time():
    starts = datetime(2026, 12, 5, 16, 30, tzinfo=timezone.utc)  # 18.30 in Helsinki
    assert offer_message(offer(starts_at=starts), Language.FI) == (
        "Uusi tarjous: Uintivuoro (alkaen 05.12.2026 18:30)\nLopeta viestit: vastaa LOPETA")


def test_an_offer_already_over_is_not_sent():
    assert offer_is_over(offer(ends_at=NOW - timedelta(minutes=1)), NOW)
    assert not offer_is_over(offer(ends_at=NOW + timedelta(days=1)), NOW)
    assert not offer_is_over(offer(), NOW)


def test_outside_local_mode_the_recorder_and_the_public_inbound_secret_are_refused():
    settings = NotificationsSettings(service_name="notifications", environment="production", jwks_url="https://idp")
    assert settings.public_secrets() == ["SMS_INBOUND_SECRET", "SMS_GATEWAY"]
    real = settings.model_copy(update={"sms_gateway": "gatewayapi", "sms_inbound_secret": "s3cret"})
    assert real.public_secrets() == ["SMS_GATEWAY_TOKEN"]
    assert real.model_copy(update={"sms_gateway_token": "t"}).public_secrets() == []


def test_tries_wait_doubling_delays_up_to_a_limit():
    settings = NotificationsSettings(service_name="notifications", sms_backoff_seconds=10, sms_backoff_max_seconds=60)
    assert [settings.retry_delay(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]

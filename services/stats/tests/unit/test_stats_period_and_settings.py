"""Periods a reader can ask for (no day ranges), the settings the service refuses, and the pseudonyms it keeps."""

from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from leisure_runtime.consumer import BatchedIdempotentConsumer, BatchProgress
from leisure_runtime.errors import Rejected
from stats.adapters.freshness import Freshness
from stats.domain.period import Period
from stats.domain.pseudonyms import Pseudonyms
from stats.main import create_app
from stats.settings import StatsSettings


def test_a_year_a_quarter_or_a_month():
    assert Period.choose(year=2016) == Period(date(2016, 1, 1), date(2016, 12, 31))
    assert Period.choose(year=2016, quarter=1) == Period(date(2016, 1, 1), date(2016, 3, 31))
    assert Period.choose(year=2016, quarter=4) == Period(date(2016, 10, 1), date(2016, 12, 31))
    assert Period.choose(year=2016, month=2) == Period(date(2016, 2, 1), date(2016, 2, 29))


@pytest.mark.parametrize("query, words", [
    ({}, "give year"),
    ({"year": 2016, "quarter": 1, "month": 2}, "quarter or month, not both"),
    ({"year": 2016, "day_range": True}, "not for a range of days"),
    ({"day_range": True}, "not for a range of days"),
])
def test_a_period_that_names_none_or_several_is_refused_saying_what_to_give(query, words):
    with pytest.raises(Rejected) as refused:
        Period.choose(**query)
    assert words in refused.value.message


def test_a_short_hash_key_or_record_key_secret_is_refused(monkeypatch):
    with pytest.raises(ValidationError):
        StatsSettings(service_name="stats", holder_hash_key="short")
    with pytest.raises(ValidationError):
        StatsSettings(service_name="stats", record_key_secret="short")
    monkeypatch.setenv("STATS_RECORD_KEY_SECRET", "too-short")
    with pytest.raises(ValidationError, match="record_key_secret"):
        create_app()


def test_pseudonyms_depend_on_the_key_and_never_contain_the_number():
    number = "123456789018"
    one, other = Pseudonyms("k" * 32), Pseudonyms("x" * 32)
    assert one.holder(number) == one.holder(number)
    assert one.holder(number) != other.holder(number)
    assert number.encode() not in one.holder(number) and len(one.holder(number)) == 32
    card = uuid4()
    assert one.card(card) != one.visit(card)  # kinds never collide


def test_freshness_is_zero_when_caught_up_and_grows_while_behind():
    consumer = BatchedIdempotentConsumer("fresh", [], {})
    now = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    freshness = Freshness(consumer, clock=lambda: now)
    assert freshness.behind_seconds() == 0
    consumer.progress = BatchProgress(now - timedelta(seconds=40), records_behind=0)
    assert freshness.behind_seconds() == 0
    consumer.progress = BatchProgress(now - timedelta(seconds=40), records_behind=1200)
    assert freshness.behind_seconds() == 40

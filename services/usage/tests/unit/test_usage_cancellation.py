"""A visit is cancelled once, on the day it was recorded."""

from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from leisure_runtime.errors import Refusal
from usage.domain.cancellation import RecordedVisit, decide_cancellation
from usage.domain.views import CardStanding

AT = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def visit(**changes) -> RecordedVisit:
    return RecordedVisit(**{"visit_id": uuid4(), "card_id": uuid4(), "offer_id": uuid4(), "venue_id": uuid4(),
                            "tickets": 2, "occurred_at": AT, "recorded_on": date(2026, 3, 10),
                            "cancelled_at": None, **changes})


def test_same_day_cancellation_uncounts_the_visit(zone):
    cancelled, after = decide_cancellation(visit(), CardStanding(3, 3, 0), now=AT, zone=zone)
    assert cancelled.tickets == 2 and cancelled.occurred_at == AT
    assert (after.stream_version, after.counted_visits) == (4, 2)


@pytest.mark.parametrize("changes, now, code, status", [
    ({"cancelled_at": AT}, AT, "visit_already_cancelled", 409),
    ({}, datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc), "cancellation_too_late", 422),  # 00:30 next day
])
def test_refused_cancellations(zone, changes, now, code, status):
    with pytest.raises(Refusal) as refusal:
        decide_cancellation(visit(**changes), CardStanding(1, 1, 0), now=now, zone=zone)
    assert (refusal.value.code, refusal.value.status) == (code, status)

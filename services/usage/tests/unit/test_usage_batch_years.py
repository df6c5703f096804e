"""A batch decides its visits in order, each seeing the ones before it. Early in January a batch can
hold visits entered from paper in December beside visits of today: each counts towards the yearly
use limit of its own year only."""

from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from leisure_runtime.auth import Principal, Role
from leisure_runtime.errors import Refusal
from usage.adapters.visit_store import VisitContext
from usage.application.record_visit import VisitRequest, _Batch
from usage.domain.calendar import local_day, year_of
from usage.domain.views import CardStanding
from usage.domain.visits import RecordVisit

NEW_YEAR_WEEK = datetime(2027, 1, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def batch_of(card, offer, zone):
    """Decides visits of one card at one offer in one batch; each visit's standing as read is the card's
    uses in that visit's year before the batch."""
    the_card = card(valid_from=date(2026, 6, 1), valid_until=date(2027, 5, 31), yearly_use_limit=2)
    the_offer = offer(quota=None, published_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    staff = Principal(sub="box-office", role=Role.venue_staff, venues=(str(the_offer.venue_id),))

    def decide(visits: list[tuple[datetime, int]]) -> list[str]:
        batch, outcomes = _Batch(zone), []
        for when, uses_read in visits:
            command = RecordVisit(card_number=the_card.card_number, offer_id=the_offer.offer_id,
                                  idempotency_key=str(uuid4()), occurred_at=when)
            request = VisitRequest(command, command.fingerprint(), staff, the_card.card_number, when,
                                   NEW_YEAR_WEEK, year_of(local_day(when, zone)))
            context = VisitContext(the_offer, the_card, CardStanding(0, 0, 0, uses_read), earlier=None)
            try:
                batch.decide(request, context)
                outcomes.append("recorded")
            except Refusal as refusal:
                outcomes.append(refusal.code)
        return outcomes

    return decide


def test_visits_of_last_year_and_this_year_in_one_batch_count_towards_their_own_years(batch_of):
    december_30 = datetime(2026, 12, 30, 15, tzinfo=timezone.utc)
    december_31 = datetime(2026, 12, 31, 15, tzinfo=timezone.utc)
    # One use in 2026 before the batch, none yet in 2027; the limit is two a year.
    outcomes = batch_of([(december_30, 1), (NEW_YEAR_WEEK, 0), (december_31, 1), (NEW_YEAR_WEEK, 0),
                         (NEW_YEAR_WEEK, 0)])

    assert outcomes == ["recorded", "recorded", "yearly_limit_reached", "recorded", "yearly_limit_reached"]

"""Every Nth counted visit earns the reward once; cancellations are not counted."""

from datetime import date, datetime, timezone
from uuid import uuid4

from leisure_contracts.events import VisitRecorded
from usage.domain import rewards
from usage.domain.cancellation import RecordedVisit, decide_cancellation
from usage.domain.views import CardStanding

AT = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def visit_of(card) -> VisitRecorded:
    return VisitRecorded(visit_id=uuid4(), card_id=card.card_id, card_number=card.card_number,
                         programme_id=card.programme_id, card_region="uusimaa", offer_id=uuid4(), venue_id=uuid4(),
                         venue_kind="gym", region="uusimaa", category="sport", tickets=1, occurred_at=AT,
                         recorded_at=AT)


def test_every_twentieth_counted_visit_earns_once_even_when_the_count_drops_and_climbs_back(card, reward_rule, zone):
    c = card(reward_rule=reward_rule(20))
    standing, earned = CardStanding(), []
    for n in range(1, 42):
        visit = visit_of(c)
        standing, reward = rewards.count_visit(c, standing, visit, AT)
        if reward:
            earned.append((reward.visits_counted, reward.visit_id == visit.visit_id))
        if n in (20, 25):  # the 20th visit (which earned) and another are cancelled the same day
            recorded = RecordedVisit(visit.visit_id, c.card_id, visit.offer_id, visit.venue_id, 1, AT,
                                     date(2026, 3, 10), None)
            _, standing = decide_cancellation(recorded, standing, now=AT, zone=zone)
    assert earned == [(20, True)]
    assert standing.counted_visits == 39 and standing.stream_version == 41 + 2 + 1
    standing, reward = rewards.count_visit(c, standing, visit_of(c), AT)
    assert reward.visits_counted == 40
    assert rewards.progress(20, "x", standing).visits_to_next_reward == 20


def test_no_rule_no_reward(card):
    c = card()
    standing = CardStanding(counted_visits=19)
    assert rewards.count_visit(c, standing, visit_of(c), AT)[1] is None

"""Each rule of recording a visit, for both outcomes: the visit is judged against the card and the
offer as they were when it happened."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leisure_runtime.errors import Rejected
from usage.domain.views import CardStanding
from usage.domain.visits import RecordVisit, decide_visit, occurred_at

AT = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
HELSINKI = ZoneInfo("Europe/Helsinki")


def command(offer, **changes) -> RecordVisit:
    return RecordVisit(**{"card_number": "x", "offer_id": offer.offer_id, "tickets": 1,
                          "idempotency_key": "key-00000001", **changes})


def decide(card, offer, standing=CardStanding(), when=AT, **changes):
    return decide_visit(command(offer, **changes), card, offer, standing, when=when, now=AT + timedelta(days=1),
                        zone=HELSINKI)


def refused(code: str, card, offer, **kwargs) -> str:
    with pytest.raises(Rejected) as refusal:
        decide(card, offer, **kwargs)
    assert refusal.value.code == code, refusal.value.message
    return refusal.value.message


def test_an_acceptable_visit_is_recorded_with_the_card_and_offer_facts(card, offer):
    c, o = card(), offer()
    recorded = decide(c, o, tickets=3)
    visit = recorded.visit
    assert (visit.card_id, visit.offer_id, visit.venue_id, visit.region, visit.card_region) == \
        (c.card_id, o.offer_id, o.venue_id, "uusimaa", "uusimaa")
    assert (visit.tickets, visit.children, visit.escort, visit.occurred_at) == (3, 2, False, AT)
    assert recorded.reward is None and recorded.standing.counted_visits == 1


def test_revoked_card_is_refused_from_its_revocation_on(card, offer):
    revoked = card(revoked_at=AT, revocation_reason="lost")
    assert "lost" in refused("card_revoked", revoked, offer())
    assert decide(revoked, offer(), when=AT - timedelta(minutes=1)).visit


def test_card_valid_only_within_its_validity_as_it_stood_then(card, offer):
    refused("card_not_yet_valid", card(valid_from=date(2026, 3, 11)), offer())
    assert "renew" in refused("card_expired", card(valid_until=date(2026, 3, 9)), offer())
    assert decide(card(valid_from=date(2026, 3, 10), valid_until=date(2026, 3, 10)), offer()).visit


def test_the_visit_day_is_local_time(card, offer):
    # 22:30 UTC on 9 March is 00:30 on 10 March in Helsinki.
    late = datetime(2026, 3, 9, 22, 30, tzinfo=timezone.utc)
    assert decide(card(valid_from=date(2026, 3, 10)), offer(), when=late).visit
    refused("card_expired", card(valid_until=date(2026, 3, 9)), offer(), when=late)


def test_offer_must_not_be_withdrawn_and_must_be_open_that_day(card, offer):
    refused("offer_withdrawn", card(), offer(withdrawn_at=AT - timedelta(hours=1)))
    assert decide(card(), offer(withdrawn_at=AT + timedelta(hours=1))).visit
    refused("offer_not_started", card(), offer(starts_at=datetime(2026, 3, 11, 18, 0)))
    refused("offer_ended", card(), offer(ends_at=datetime(2026, 3, 9, 21, 0)))
    # An evening show: a ticket taken in the morning of the show's day is fine.
    assert decide(card(), offer(starts_at=datetime(2026, 3, 10, 19, 0), ends_at=datetime(2026, 3, 10, 21, 0))).visit


def test_a_visit_from_before_the_offer_was_entered_in_the_catalogue_is_judged_by_its_first_terms(card, offer):
    # Opened a week before the visit, published in the catalogue two days after it: open that day.
    entered_late = dict(published_at=AT + timedelta(days=2), starts_at=AT - timedelta(days=7),
                        max_tickets_per_visit=2)
    assert decide(card(), offer(**entered_late), tickets=2).visit.occurred_at == AT
    refused("over_offer_visit_maximum", card(), offer(**entered_late), tickets=3)
    # Its open period still rules: the day before it opened, it was not open.
    assert "opens on 2026-03-03" in refused("offer_not_started", card(), offer(**entered_late),
                                            when=AT - timedelta(days=8))


def test_programme_and_regions_must_accept_each_other(card, offer):
    refused("programme_not_accepted", card(programme_id="sport-wristband"), offer())
    refused("card_region_not_accepted", card(home_region="varsinais-suomi"), offer())
    refused("card_not_valid_in_region", card(accepted_regions=("varsinais-suomi",)), offer())
    assert decide(card(home_region="varsinais-suomi"),
                  offer(accepted_regions=("uusimaa", "varsinais-suomi"))).visit


def test_tickets_fit_the_children_allowance_escort_and_offer_maximum(card, offer):
    assert "at most 3 tickets" in refused("too_many_tickets_for_card", card(escort_free=False), offer(), tickets=4)
    assert decide(card(), offer(), tickets=4, escort=True).visit.children == 2
    refused("too_many_tickets_for_card", card(), offer(max_tickets_per_visit=9), tickets=5, escort=True)
    refused("escort_not_free", card(escort_free=False), offer(), tickets=2, escort=True)
    refused("over_offer_visit_maximum", card(), offer(max_tickets_per_visit=2), tickets=3)
    assert decide(card(), offer(max_tickets_per_visit=3), tickets=3).visit


def test_an_escort_comes_with_the_holder():
    with pytest.raises(ValueError):
        RecordVisit(card_number="x", offer_id="6f1c2a4e-0000-4000-8000-000000000000", tickets=1, escort=True,
                    idempotency_key="key-00000001")


def test_yearly_use_limit(card, offer):
    limited = card(yearly_use_limit=12)
    assert "2026" in refused("yearly_limit_reached", limited, offer(), standing=CardStanding(uses_in_visit_year=12))
    assert decide(limited, offer(), standing=CardStanding(uses_in_visit_year=11)).visit


def test_quota_never_exceeded(card, offer):
    assert refused("no_places_left", card(), offer(quota=10, tickets_taken=10)) == "no places left on this offer"
    assert "only 1 places left" in refused("no_places_left", card(), offer(quota=10, tickets_taken=9), tickets=2)
    assert decide(card(), offer(quota=10, tickets_taken=8), tickets=2).visit
    assert decide(card(), offer(quota=None, tickets_taken=10_000)).visit


def test_visit_time_at_most_30_days_back_and_never_in_the_future(offer):
    now = AT
    o = offer()
    assert occurred_at(command(o), now) == now
    assert occurred_at(command(o, occurred_at=now - timedelta(days=30)), now) == now - timedelta(days=30)
    with pytest.raises(Rejected) as too_old:
        occurred_at(command(o, occurred_at=now - timedelta(days=30, minutes=1)), now)
    assert too_old.value.code == "visit_too_old"
    with pytest.raises(Rejected) as future:
        occurred_at(command(o, occurred_at=now + timedelta(minutes=5)), now)
    assert future.value.code == "visit_in_future"

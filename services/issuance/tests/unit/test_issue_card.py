from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from issuance.domain.cards import IssueCard, age_band, issue_card
from issuance.domain.dates import add_months
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined
from leisure_runtime.errors import Rejected

NOW = datetime(2026, 1, 31, 9, 0, tzinfo=timezone.utc)
PROGRAMME = ProgrammeDefined(
    programme_id="sport-wristband", name={"fi": "Liikuntaranneke"}, home_region="varsinais-suomi",
    minimum_age=18, eligibility_criteria=["Receives basic social assistance"], validity_months=1,
    children_allowance=0, escort_free=False, accepted_in_all_regions=False,
    participating_regions=["varsinais-suomi"], defined_at=NOW,
)
DISTRIBUTOR = DistributorRegistered(distributor_id="turku-social-office", name={"fi": "Sosiaalitoimisto"},
                                    kind="social_office", region="varsinais-suomi", registered_at=NOW)


def command(age=30, confirmed=("Receives basic social assistance",)):
    return IssueCard(programme_id="sport-wristband", criteria_confirmed=list(confirmed), background={
        "age": age, "gender": "not_told", "mother_tongue": "somali", "life_situation": "unemployed",
        "postal_code": "20100", "children_under_16": 0})


@pytest.mark.parametrize("age, band", [(0, "under_18"), (17, "under_18"), (18, "18_24"), (24, "18_24"),
                                       (25, "25_34"), (64, "55_64"), (74, "65_74"), (75, "75_plus"),
                                       (120, "75_plus")])
def test_only_the_age_band_is_kept(age, band):
    assert age_band(age) == band


def test_a_card_carries_what_other_services_need():
    card = issue_card(PROGRAMME, DISTRIBUTOR, command(), card_id=uuid4(), card_number="682290613368", now=NOW)
    assert card.home_region == "varsinais-suomi"
    assert card.accepted_regions == ["varsinais-suomi"]
    assert card.valid_from == date(2026, 1, 31)
    assert card.valid_until == date(2026, 2, 27)  # one month from 31 January, the day before 28 February
    assert card.background.age_band == "25_34"
    assert "age" not in card.background.model_dump()


def test_below_the_minimum_age_is_refused():
    with pytest.raises(Rejected) as refused:
        issue_card(PROGRAMME, DISTRIBUTOR, command(age=17), card_id=uuid4(), card_number="682290613368", now=NOW)
    assert refused.value.code == "below_minimum_age"
    assert "18 or over" in refused.value.message


def test_an_unconfirmed_criterion_is_refused_and_named():
    with pytest.raises(Rejected) as refused:
        issue_card(PROGRAMME, DISTRIBUTOR, command(confirmed=()), card_id=uuid4(),
                   card_number="682290613368", now=NOW)
    assert refused.value.code == "criteria_not_confirmed"
    assert "Receives basic social assistance" in refused.value.message


def test_months_are_added_to_the_calendar():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)


def test_a_confirmed_text_that_is_not_a_criterion_is_refused_without_repeating_it():
    with pytest.raises(Rejected) as refused:
        issue_card(PROGRAMME, DISTRIBUTOR, command(confirmed=("Receives basic social assistance", "Matti V.")),
                   card_id=uuid4(), card_number="682290613368", now=NOW)
    assert refused.value.code == "unknown_criterion"
    assert refused.value.message.startswith("criteria_confirmed[1] is not a criterion of programme 'sport-wristband'")
    assert "Matti" not in refused.value.message


def test_the_card_starts_on_the_finnish_day_of_issue():
    late_evening_utc = datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc)  # already 1 April in Helsinki
    card = issue_card(PROGRAMME, DISTRIBUTOR, command(), card_id=uuid4(), card_number="682290613368",
                      now=late_evening_utc)
    assert card.valid_from == date(2026, 4, 1)
    assert card.valid_until == date(2026, 4, 30)


def paper_card(issued_on: date, now: datetime = NOW):
    return issue_card(PROGRAMME, DISTRIBUTOR, command().model_copy(update={"issued_on": issued_on}),
                      card_id=uuid4(), card_number="682290613368", now=now)


def test_a_card_issued_on_paper_is_valid_from_the_day_it_was_handed_over():
    card = paper_card(date(2026, 1, 12))
    assert card.valid_from == date(2026, 1, 12)
    assert card.valid_until == date(2026, 2, 11)  # one month counted from the day handed over
    assert card.issued_at == NOW  # the moment it was entered


@pytest.mark.parametrize("days_back", [0, 1, 30])
def test_a_paper_card_can_be_entered_up_to_30_days_after_it_was_handed_over(days_back):
    handed_over = date(2026, 1, 31) - timedelta(days=days_back)
    assert paper_card(handed_over).valid_from == handed_over


def test_a_paper_card_handed_over_more_than_30_days_ago_is_refused():
    with pytest.raises(Rejected) as refused:
        paper_card(date(2026, 1, 31) - timedelta(days=31))
    assert refused.value.code == "issued_on_too_old"
    assert refused.value.message == (
        "a card issued on paper can be entered up to 30 days after it was handed over, and 2025-12-31 is "
        "further back; leave issued_on out to issue the card from today")


def test_a_hand_over_day_in_the_future_is_refused_by_the_finnish_calendar():
    late_evening_utc = datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc)  # already 1 April in Helsinki
    assert paper_card(date(2026, 4, 1), now=late_evening_utc).valid_from == date(2026, 4, 1)
    with pytest.raises(Rejected) as refused:
        paper_card(date(2026, 4, 2), now=late_evening_utc)
    assert refused.value.code == "issued_on_in_future"
    assert refused.value.message == (
        "the card cannot have been handed over on 2026-04-02: that is after today, 2026-04-01 in Finland; "
        "give the day it was handed over, or leave issued_on out for a card handed over today")


YOUTH_PROGRAMME = PROGRAMME.model_copy(update={"programme_id": "youth-card", "minimum_age": 13, "maximum_age": 29})


@pytest.mark.parametrize("age", [13, 29])
def test_an_age_range_admits_both_of_its_ends(age):
    card = issue_card(YOUTH_PROGRAMME, DISTRIBUTOR, command(age=age), card_id=uuid4(),
                      card_number="682290613368", now=NOW)
    assert card.programme_id == "youth-card"


@pytest.mark.parametrize("age, code", [(12, "below_minimum_age"), (30, "above_maximum_age")])
def test_outside_the_age_range_is_refused_naming_the_range(age, code):
    with pytest.raises(Rejected) as refused:
        issue_card(YOUTH_PROGRAMME, DISTRIBUTOR, command(age=age), card_id=uuid4(),
                   card_number="682290613368", now=NOW)
    assert (refused.value.code, refused.value.message) == (code, "the programme is for people aged 13 to 29")


def test_a_maximum_without_a_minimum_is_said_as_such():
    under_30 = PROGRAMME.model_copy(update={"minimum_age": 0, "maximum_age": 29})
    with pytest.raises(Rejected) as refused:
        issue_card(under_30, DISTRIBUTOR, command(age=30), card_id=uuid4(), card_number="682290613368", now=NOW)
    assert refused.value.message == "the programme is for people aged 29 or under"

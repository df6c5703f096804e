from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from issuance.domain.cards import IssueCard, issue_card
from issuance.domain.lifecycle import CardConflict, CardStatus, card, renew, replace_lost, revoke
from leisure_contracts.events import DistributorRegistered, ProgrammeDefined
from leisure_runtime.errors import Rejected

ISSUED_AT = datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc)
PROGRAMME = ProgrammeDefined(
    programme_id="culture-card", name={"fi": "Kulttuurikortti"}, home_region="uusimaa", minimum_age=0,
    eligibility_criteria=[], validity_months=6, children_allowance=3, escort_free=True,
    accepted_in_all_regions=True, participating_regions=["uusimaa"], defined_at=ISSUED_AT,
)
OFFICE = DistributorRegistered(distributor_id="espoo-social-office", name={"fi": "Sosiaalitoimisto"},
                               kind="social_office", region="uusimaa", registered_at=ISSUED_AT)
OUTREACH = DistributorRegistered(distributor_id="espoo-youth-outreach", name={"fi": "Etsivä nuorisotyö"},
                                 kind="youth_outreach", region="uusimaa", registered_at=ISSUED_AT)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=timezone.utc)


def new_card():
    issued = issue_card(PROGRAMME, OFFICE, IssueCard(programme_id="culture-card", background={
        "age": 40, "gender": "other", "mother_tongue": "arabic", "life_situation": "student",
        "postal_code": "02100"}), card_id=uuid4(), card_number="682290613368", now=ISSUED_AT)
    return card([issued])


def test_a_card_is_active_through_its_last_day_then_expired_without_any_event():
    issued = new_card()
    assert issued.valid_until == date(2026, 7, 14)
    assert issued.status(date(2026, 7, 14)) is CardStatus.ACTIVE
    assert issued.status(date(2026, 7, 15)) is CardStatus.EXPIRED
    assert issued.version == 1


def test_renewing_a_valid_card_continues_from_its_last_day():
    renewed = renew(new_card(), PROGRAMME, at(date(2026, 6, 1)))
    assert renewed.valid_until == date(2027, 1, 14)
    state = new_card().after(renewed)
    assert state.valid_until == date(2027, 1, 14) and state.version == 2


def test_renewing_an_expired_card_starts_from_today():
    renewed = renew(new_card(), PROGRAMME, at(date(2026, 9, 10)))
    assert renewed.valid_until == date(2027, 3, 9)


def test_renewals_follow_one_another():
    first = new_card()
    second = first.after(renew(first, PROGRAMME, at(date(2026, 2, 1))))
    third = renew(second, PROGRAMME, at(date(2026, 2, 1)))
    assert third.valid_until == date(2027, 7, 14)


def test_a_revoked_card_is_revoked_whatever_its_dates_and_cannot_be_renewed_or_revoked_again():
    revoked = new_card().after(revoke(new_card(), "misuse", at(date(2026, 3, 1))))
    assert revoked.status(date(2026, 3, 2)) is CardStatus.REVOKED
    for attempt in (lambda: renew(revoked, PROGRAMME, at(date(2026, 3, 2))),
                    lambda: revoke(revoked, "lost", at(date(2026, 3, 2)))):
        with pytest.raises(CardConflict) as refused:
            attempt()
        assert refused.value.status == 409 and refused.value.code == "card_revoked"
        assert refused.value.message.startswith("card 6822 9061 3368 was revoked on 2026-03-01 (misuse)")


def test_a_lost_card_is_replaced_by_a_new_number_with_the_same_terms_and_last_day():
    old, new_id = new_card(), uuid4()
    replacement, revoked = replace_lost(old, OUTREACH, card_id=new_id, card_number="123456789018",
                                        now=at(date(2026, 4, 1)))
    assert (replacement.card_id, replacement.card_number, replacement.replaces_card_id) == \
        (new_id, "123456789018", old.issued.card_id)
    assert (replacement.valid_from, replacement.valid_until) == (date(2026, 4, 1), old.valid_until)
    assert replacement.distributor_id == "espoo-youth-outreach"
    assert replacement.background == old.issued.background
    assert replacement.children_allowance == 3 and replacement.escort_free
    assert (revoked.card_id, revoked.reason, revoked.replaced_by_card_id) == (old.issued.card_id, "lost", new_id)


def test_an_expired_card_is_not_replaced():
    with pytest.raises(Rejected) as refused:
        replace_lost(new_card(), OFFICE, card_id=uuid4(), card_number="123456789018", now=at(date(2026, 8, 1)))
    assert refused.value.code == "card_expired"
    assert refused.value.message == ("card 6822 9061 3368 expired on 2026-07-14; "
                                     "issue a new card instead of a replacement")


def test_a_replaced_card_points_to_its_replacement_when_refused():
    old = new_card()
    _, revoked = replace_lost(old, OFFICE, card_id=uuid4(), card_number="123456789018", now=at(date(2026, 4, 1)))
    with pytest.raises(CardConflict) as refused:
        replace_lost(old.after(revoked), OFFICE, card_id=uuid4(), card_number="123456789026",
                     now=at(date(2026, 4, 2)))
    assert refused.value.message.endswith("it cannot be replaced. Look up its replacement.")


YOUTH = PROGRAMME.model_copy(update={"minimum_age": 13, "maximum_age": 29})


def test_a_renewal_under_a_programme_without_a_maximum_age_needs_no_age():
    assert renew(new_card(), PROGRAMME, at(date(2026, 6, 1))).valid_until == date(2027, 1, 14)


def test_a_renewal_under_an_age_range_asks_the_holder_age_now():
    with pytest.raises(Rejected) as refused:
        renew(new_card(), YOUTH, at(date(2026, 6, 1)))
    assert refused.value.code == "age_required"
    assert refused.value.message == ("the programme is for people aged 13 to 29: give the holder's age now "
                                     "(`age`, in years) to renew the card")


@pytest.mark.parametrize("age, code", [(30, "above_maximum_age"), (12, "below_minimum_age")])
def test_a_holder_who_has_left_the_age_range_is_not_renewed(age, code):
    with pytest.raises(Rejected) as refused:
        renew(new_card(), YOUTH, at(date(2026, 6, 1)), age=age)
    assert (refused.value.code, refused.value.message) == (code, "the programme is for people aged 13 to 29")


def test_a_holder_within_the_age_range_is_renewed():
    assert renew(new_card(), YOUTH, at(date(2026, 6, 1)), age=29).valid_until == date(2027, 1, 14)

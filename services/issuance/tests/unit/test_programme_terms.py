from datetime import datetime, timezone

import pytest

from issuance.domain.programmes import DefineProgramme, UpdateProgramme, define_programme, programme, update_programme
from leisure_runtime.errors import AlreadyExists, Rejected

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SPORT_WRISTBAND = DefineProgramme(
    programme_id="sport-wristband", name={"fi": "Liikuntaranneke"}, home_region="varsinais-suomi",
    minimum_age=18, eligibility_criteria=["Receives basic social assistance"], validity_months=6,
    accepted_in_all_regions=False, participating_regions=["varsinais-suomi"],
)


def test_a_programme_stands_as_its_definition_with_the_latest_terms():
    defined = define_programme(None, SPORT_WRISTBAND, NOW)
    next_season = update_programme(defined, UpdateProgramme(
        **SPORT_WRISTBAND.model_dump(exclude={"programme_id", "home_region", "validity_months"}),
        validity_months=4), NOW)
    current = programme([defined, next_season])
    assert current.validity_months == 4
    assert (current.programme_id, current.home_region, current.minimum_age) == ("sport-wristband", "varsinais-suomi", 18)
    assert programme([]) is None


def test_the_three_models_of_the_design_fit():
    culture = DefineProgramme(programme_id="culture-card", name={"fi": "Kulttuurikortti"}, home_region="uusimaa",
                              children_allowance=3, escort_free=True, participating_regions=["uusimaa", "pirkanmaa"])
    activity = DefineProgramme(programme_id="activity-pass", name={"fi": "LiiKu"}, home_region="uusimaa",
                               participating_regions=["uusimaa"], accepted_in_all_regions=False,
                               reward_rule={"every_visits": 20, "description": "Two cinema tickets"})
    assert define_programme(None, culture, NOW).accepted_in_all_regions
    assert define_programme(None, activity, NOW).reward_rule.every_visits == 20
    assert define_programme(None, SPORT_WRISTBAND, NOW).minimum_age == 18


def test_a_programme_is_defined_once():
    with pytest.raises(AlreadyExists) as refused:
        define_programme(define_programme(None, SPORT_WRISTBAND, NOW), SPORT_WRISTBAND, NOW)
    assert refused.value.message == "programme 'sport-wristband' is already defined"


def test_a_youth_programme_has_an_age_range():
    youth = SPORT_WRISTBAND.model_copy(update={"programme_id": "youth-card", "minimum_age": 13, "maximum_age": 29})
    defined = define_programme(None, youth, NOW)
    assert (defined.minimum_age, defined.maximum_age) == (13, 29)
    assert define_programme(None, SPORT_WRISTBAND, NOW).maximum_age is None


def test_a_maximum_age_below_the_minimum_is_refused():
    with pytest.raises(Rejected) as refused:
        define_programme(None, SPORT_WRISTBAND.model_copy(update={"maximum_age": 17}), NOW)
    assert (refused.value.code, refused.value.message) == (
        "invalid_age_range", "maximum_age 17 is below minimum_age 18; give a maximum of at least the minimum, "
                             "or leave maximum_age out for no upper limit")
    defined = define_programme(None, SPORT_WRISTBAND, NOW)
    with pytest.raises(Rejected):
        update_programme(defined, UpdateProgramme(
            **SPORT_WRISTBAND.model_dump(exclude={"programme_id", "home_region"}) | {"maximum_age": 10}), NOW)

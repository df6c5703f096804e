import pytest

from issuance.domain.cards import IssueCard
from issuance.domain.personal_data import PersonalDataRefused, personal_fields, refuse_personal_data

BACKGROUND = {"age": 34, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
              "postal_code": "02100", "children_under_16": 1}


def request(**extra):
    return {"programme_id": "culture-card", "criteria_confirmed": ["In a tight financial situation"],
            "background": dict(BACKGROUND), **extra}


def test_a_request_with_only_known_fields_and_plain_text_passes():
    assert personal_fields(request(), IssueCard) == []


@pytest.mark.parametrize("field", ["name", "first_name", "henkilotunnus", "phone", "email", "address", "notes"])
def test_any_field_the_service_does_not_know_is_refused_by_name(field):
    assert personal_fields(request(**{field: "anything"}), IssueCard) == [field]


def test_unknown_fields_in_the_background_are_named_with_their_path():
    body = request()
    body["background"]["phone"] = "040 123 4567"
    assert personal_fields(body, IssueCard) == ["background.phone"]


@pytest.mark.parametrize("text", ["010190-123A", "131052+308T", "+358 40 123 4567", "040-1234567",
                                  "0401234567", "matti@example.fi", "Mannerheimintie 12 B",
                                  "Storgatan 3", "Asks about 241299A987P"])
def test_text_that_looks_personal_is_refused_in_known_fields(text):
    body = request(criteria_confirmed=["In a tight financial situation", text])
    assert personal_fields(body, IssueCard) == ["criteria_confirmed[1]"]
    body = request()
    body["background"]["postal_code"] = text
    assert personal_fields(body, IssueCard) == ["background.postal_code"]


@pytest.mark.parametrize("text", ["02100", "00100", "Receives basic social assistance",
                                  "Client of adult social work for 3 months", "Age 18 or over"])
def test_ordinary_criteria_and_postal_codes_are_not_taken_for_personal_data(text):
    assert personal_fields(request(criteria_confirmed=[text], background=dict(BACKGROUND, postal_code="02100")),
                           IssueCard) == []


def test_the_refusal_names_the_fields_and_never_repeats_a_value():
    with pytest.raises(PersonalDataRefused) as refused:
        refuse_personal_data(request(name="Matti Meikäläinen", phone="0401234567"), IssueCard)
    assert refused.value.status == 422
    assert refused.value.message.startswith("personal data is not accepted: remove name, phone.")
    assert "Matti" not in refused.value.message and "0401234567" not in refused.value.message


def test_a_key_that_is_itself_personal_data_is_not_repeated():
    [field] = personal_fields(request(**{"matti@example.fi": True}), IssueCard)
    assert "matti" not in field


def test_a_body_that_is_not_an_object_is_left_to_validation():
    assert personal_fields(["Matti"], IssueCard) == []


@pytest.mark.parametrize("programme_id", ["programme-00974128", "p-123456-1234", "espoo-0401234567"])
def test_a_value_the_fields_own_pattern_accepts_is_not_taken_for_personal_data(programme_id):
    assert personal_fields(request(programme_id=programme_id), IssueCard) == []


def test_a_value_outside_the_fields_pattern_is_screened():
    assert personal_fields(request(programme_id="040 123 4567"), IssueCard) == ["programme_id"]


@pytest.mark.parametrize("day", ["2026-01-05", "2026-10-01", "2026-12-31"])
def test_the_day_a_paper_card_was_handed_over_is_not_taken_for_personal_data(day):
    assert personal_fields(request(issued_on=day), IssueCard) == []
    assert personal_fields(request(issued_on="010190-123A"), IssueCard) == ["issued_on"]

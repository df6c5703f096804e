"""Every refusal of the issuance API, with its exact status and a message a worker can act on."""

from datetime import datetime, timedelta

import pytest

from issuance.domain.dates import FINLAND
from leisure_contracts.card_numbers import check_digit
from leisure_runtime.auth import Role
from leisure_infra.service_testing import bearer

pytestmark = pytest.mark.integration

ONLY_BACKGROUND = ("A card needs only the programme, the confirmed criteria and the holder's background "
                   "(age, gender, mother tongue, life situation, postal code, children under 16); never a name, "
                   "identity code, phone number, e-mail or address.")


def refusal(response, status: int, code: str, detail: str) -> None:
    assert (response.status_code, response.json()) == (status, {"code": code, "detail": detail}), response.text


@pytest.mark.parametrize("extra, fields", [
    ({"name": "Matti Meikäläinen"}, "name"),
    ({"henkilotunnus": "010190-123A"}, "henkilotunnus"),
    ({"phone": "040 123 4567", "email": "matti@example.fi"}, "phone, email"),
    ({"address": "Mannerheimintie 12 B 7"}, "address"),
    ({"notes": "anything at all"}, "notes"),
    ({"background": {"age": 34, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
                     "postal_code": "02100", "phone": "0401234567"}}, "background.phone"),
    ({"background": {"age": 34, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
                     "postal_code": "Mannerheimintie 12"}}, "background.postal_code"),
    ({"criteria_confirmed": ["The client is in a tight financial situation", "010190-123A"]},
     "criteria_confirmed[1]"),
])
async def test_personal_data_is_refused_naming_the_fields_never_the_values(issuance, extra, fields):
    worker = await issuance.worker()
    programme = await issuance.programme()
    response = await issuance.issue(worker, programme, **extra)
    refusal(response, 422, "personal_data_not_accepted",
            f"personal data is not accepted: remove {fields}. {ONLY_BACKGROUND}")


async def test_a_caller_without_a_token_is_refused_before_the_body_is_screened(issuance):
    programme = await issuance.programme()
    response = await issuance.issue({}, programme, name="Matti Meikäläinen")
    assert response.status_code == 401
    assert "Matti" not in response.text and "name" not in response.json()["detail"]
    response = await issuance.issue({"Authorization": "Bearer not-a-token"}, programme, name="Matti Meikäläinen")
    assert response.status_code == 401


async def test_a_value_refused_by_validation_is_not_repeated_back(issuance):
    worker = await issuance.worker()
    response = await issuance.issue(worker, await issuance.programme(),
                                    background={**issuance.background, "gender": "Matti Meikäläinen"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "background", "gender"]
    assert "Matti" not in response.text


async def test_a_holder_below_the_programme_minimum_age_is_refused(issuance):
    worker = await issuance.worker()
    programme = await issuance.programme(minimum_age=18)
    response = await issuance.issue(worker, programme, background={**issuance.background, "age": 17})
    refusal(response, 422, "below_minimum_age", "the programme is for people aged 18 or over")


async def test_a_youth_programme_refuses_holders_outside_its_age_range_on_issue_and_renewal(issuance):
    worker = await issuance.worker()
    programme = await issuance.programme(minimum_age=13, maximum_age=29)
    listed = (await issuance.client.get("/v1/programmes", headers=worker)).json()
    assert [(p["minimum_age"], p["maximum_age"]) for p in listed if p["programme_id"] == programme] == [(13, 29)]
    response = await issuance.issue(worker, programme, background={**issuance.background, "age": 30})
    refusal(response, 422, "above_maximum_age", "the programme is for people aged 13 to 29")
    response = await issuance.issue(worker, programme, background={**issuance.background, "age": 12})
    refusal(response, 422, "below_minimum_age", "the programme is for people aged 13 to 29")

    card = await issuance.issue(worker, programme, background={**issuance.background, "age": 29})
    assert card.status_code == 201, card.text
    renewal = f"/v1/cards/{card.json()['card_number']}/renewal"
    refusal(await issuance.client.post(renewal, headers=worker), 422, "age_required",
            "the programme is for people aged 13 to 29: give the holder's age now (`age`, in years) to renew the card")
    refusal(await issuance.client.post(renewal, headers=worker, json={"age": 30}), 422, "above_maximum_age",
            "the programme is for people aged 13 to 29")
    renewed = await issuance.client.post(renewal, headers=worker, json={"age": 29})
    assert renewed.status_code == 200, renewed.text
    assert "age" not in renewed.json()


async def test_a_maximum_age_below_the_minimum_is_refused(issuance):
    response = await issuance.client.post("/v1/programmes", headers=issuance.coordinator(), json={
        "programme_id": "youth-backwards", "name": {"fi": "Nuorisokortti"}, "home_region": "uusimaa",
        "minimum_age": 18, "maximum_age": 17, "participating_regions": ["uusimaa"]})
    refusal(response, 422, "invalid_age_range", "maximum_age 17 is below minimum_age 18; give a maximum of at "
                                                "least the minimum, or leave maximum_age out for no upper limit")


async def test_an_unconfirmed_criterion_is_refused_and_named(issuance):
    worker = await issuance.worker()
    response = await issuance.issue(worker, await issuance.programme(), criteria_confirmed=[])
    refusal(response, 422, "criteria_not_confirmed",
            "confirm every eligibility criterion of the programme: The client is in a tight financial situation")


async def test_an_unknown_programme_is_refused(issuance):
    response = await issuance.issue(await issuance.worker(), "no-such-programme")
    refusal(response, 404, "unknown_programme", "there is no programme 'no-such-programme'")


async def test_a_programme_outside_the_distributors_region_is_refused(issuance):
    programme = await issuance.programme(region="varsinais-suomi")
    response = await issuance.issue(await issuance.worker("uusimaa"), programme)
    refusal(response, 422, "programme_outside_region",
            f"programme {programme!r} does not run in region 'uusimaa'; choose a programme of your region")


async def test_an_organisation_that_is_not_a_registered_distributor_cannot_issue(issuance):
    stranger = bearer(Role.distributor, "worker-x", region="uusimaa", organisation="unknown-office")
    response = await issuance.issue(stranger, await issuance.programme())
    refusal(response, 404, "unknown_distributor",
            "organisation 'unknown-office' is not a registered distributor; ask the region's coordinator to register it")


async def test_a_paper_card_handed_over_in_the_future_or_too_long_ago_is_refused(issuance):
    worker = await issuance.worker()
    programme = await issuance.programme()
    today = datetime.now(FINLAND).date()
    tomorrow, too_old = today + timedelta(days=1), today - timedelta(days=31)
    refusal(await issuance.issue(worker, programme, issued_on=tomorrow.isoformat()), 422, "issued_on_in_future",
            f"the card cannot have been handed over on {tomorrow}: that is after today, {today} in Finland; "
            "give the day it was handed over, or leave issued_on out for a card handed over today")
    refusal(await issuance.issue(worker, programme, issued_on=too_old.isoformat()), 422, "issued_on_too_old",
            f"a card issued on paper can be entered up to 30 days after it was handed over, and {too_old} is "
            "further back; leave issued_on out to issue the card from today")
    assert (await issuance.client.get("/v1/cards", headers=worker)).json()["cards"] == []


async def test_a_mistyped_card_number_is_refused_without_a_lookup(issuance):
    card = await issuance.card(await issuance.worker(), await issuance.programme())
    typo = card["card_number"][:-1] + str((int(card["card_number"][-1]) + 1) % 10)
    for typed in (typo, "12345", "not-a-number"):
        refusal(await issuance.look_up(typed, issuance.venue_staff()), 422, "invalid_card_number",
                "that is not a card number: a card number has 12 digits and the last one did not check out; "
                "read the number again from the card")


async def test_a_number_no_card_has_is_not_found(issuance):
    never_issued = "99999999999" + check_digit("99999999999")
    refusal(await issuance.look_up(never_issued, issuance.venue_staff()), 404, "unknown_card",
            f"no card has the number 9999 9999 999{never_issued[-1]}")


async def test_a_revoked_card_cannot_be_renewed_revoked_or_replaced(issuance):
    worker = await issuance.worker()
    card = await issuance.card(worker, await issuance.programme())
    number, printed = card["card_number"], " ".join((card["card_number"][:4], card["card_number"][4:8],
                                                     card["card_number"][8:]))
    revoked = await issuance.client.post(f"/v1/cards/{number}/revocation", headers=worker, json={"reason": "misuse"})
    day = revoked.json()["revoked_at"][:10]
    for action, body, verb in (("renewal", None, "renewed"), ("revocation", {"reason": "lost"}, "revoked again"),
                               ("replacement", None, "replaced")):
        response = await issuance.client.post(f"/v1/cards/{number}/{action}", headers=worker, json=body)
        refusal(response, 409, "card_revoked", f"card {printed} was revoked on {day} (misuse); it cannot be {verb}.")


async def test_a_replaced_card_points_the_worker_to_its_replacement(issuance):
    worker = await issuance.worker()
    number = (await issuance.card(worker, await issuance.programme()))["card_number"]
    await issuance.client.post(f"/v1/cards/{number}/replacement", headers=worker)
    response = await issuance.client.post(f"/v1/cards/{number}/replacement", headers=worker)
    assert response.status_code == 409
    assert response.json()["detail"].endswith("(lost); it cannot be replaced. Look up its replacement.")


async def test_an_unknown_revocation_reason_is_refused(issuance):
    worker = await issuance.worker()
    number = (await issuance.card(worker, await issuance.programme()))["card_number"]
    response = await issuance.client.post(f"/v1/cards/{number}/revocation", headers=worker, json={"reason": "moved"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reason"]
    assert "'lost', 'holder_request', 'no_longer_eligible' or 'misuse'" in response.json()["detail"][0]["msg"]


async def test_roles_and_regions_are_enforced_on_cards(issuance):
    worker = await issuance.worker("uusimaa")
    number = (await issuance.card(worker, await issuance.programme()))["card_number"]
    turku_worker = await issuance.worker("varsinais-suomi")

    response = await issuance.client.post(f"/v1/cards/{number}/renewal", headers=issuance.venue_staff())
    assert (response.status_code, response.json()["detail"]) == (
        403, "this endpoint is for distributor or coordinator; the token's role is venue_staff")
    response = await issuance.client.post(f"/v1/cards/{number}/renewal", headers=turku_worker)
    assert response.status_code == 403
    assert response.json()["detail"].endswith("in region varsinais-suomi; it cannot renew cards in region uusimaa")
    response = await issuance.client.post(f"/v1/cards/{number}/replacement", headers=issuance.coordinator())
    assert (response.status_code, response.json()["detail"]) == (
        403, "this endpoint is for distributor; the token's role is coordinator")
    reader = bearer(Role.stats_reader, "reader-1", region="uusimaa")
    response = await issuance.look_up(number, reader)
    assert (response.status_code, response.json()["detail"]) == (
        403, "this endpoint is for venue_staff or distributor or coordinator; the token's role is stats_reader")
    response = await issuance.client.get(f"/v1/cards/{number}")
    assert response.status_code == 401


async def test_looking_up_numbers_too_fast_is_refused_with_retry_after(issuance):
    cashier = issuance.venue_staff()
    never_issued = "12345678901" + check_digit("12345678901")
    answers = [await issuance.look_up(never_issued, cashier) for _ in range(40)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:20] == [404] * 20, "the first 20 look-ups (the burst) are answered"
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert limited.json()["code"] == "too_many_lookups"
    assert limited.json()["detail"] == f"too many card look-ups from this token; try again in {limited.headers['Retry-After']} s"
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await issuance.look_up(never_issued, issuance.venue_staff())).status_code == 404  # another subject


async def test_an_unknown_page_position_is_refused(issuance):
    response = await issuance.client.get("/v1/cards", params={"after": "bm90LWEtY3Vyc29y"},
                                         headers=await issuance.worker())
    refusal(response, 422, "invalid_cursor", "`after` is not a position this list gave; start again from the first page")


async def test_programmes_and_distributors_are_defined_once_and_only_in_the_coordinators_region(issuance):
    programme = await issuance.programme("uusimaa")
    body = {"programme_id": programme, "name": {"fi": "Kortti"}, "home_region": "uusimaa",
            "participating_regions": ["uusimaa"]}
    refusal(await issuance.client.post("/v1/programmes", json=body, headers=issuance.coordinator()),
            409, "programme_exists", f"programme {programme!r} is already defined")

    response = await issuance.client.post("/v1/programmes", headers=issuance.coordinator("varsinais-suomi"),
                                          json={**body, "programme_id": "turku-tries-uusimaa"})
    assert (response.status_code, response.json()["detail"]) == (
        403, "this token is for region varsinais-suomi; it cannot define programmes in region uusimaa")
    response = await issuance.client.post("/v1/programmes", headers=issuance.coordinator(),
                                          json={**body, "programme_id": "national-card", "home_region": None})
    assert (response.status_code, response.json()["detail"]) == (
        403, "this token is for region uusimaa; only a national coordinator can define a national programme")

    terms = {"name": {"fi": "Kortti"}, "participating_regions": ["uusimaa"]}
    response = await issuance.client.put(f"/v1/programmes/{programme}", json=terms,
                                         headers=issuance.coordinator("varsinais-suomi"))
    assert (response.status_code, response.json()["detail"]) == (
        403, "this token is for region varsinais-suomi; it cannot update programmes in region uusimaa")
    refusal(await issuance.client.put("/v1/programmes/no-such-programme", json=terms, headers=issuance.coordinator()),
            404, "unknown_programme", "there is no programme 'no-such-programme'")

    distributor = {"distributor_id": "twice-registered", "name": {"fi": "Järjestö"}, "kind": "association",
                   "region": "uusimaa"}
    assert (await issuance.client.post("/v1/distributors", json=distributor,
                                       headers=issuance.coordinator())).status_code == 201
    refusal(await issuance.client.post("/v1/distributors", json=distributor, headers=issuance.coordinator()),
            409, "distributor_exists", "distributor 'twice-registered' is already registered")

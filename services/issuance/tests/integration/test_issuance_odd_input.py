"""Input that used to end in a 500 (NUL characters, lone surrogates, NaN) or that had no bound
(texts of any length, digits of other scripts): each is a 422 saying where, and nothing is kept."""

import json

import pytest

from leisure_runtime.request_types import MAX_LIST_ITEMS, NAME_LENGTH, STATEMENT_LENGTH

pytestmark = pytest.mark.integration


def refused(response, location: list) -> None:
    assert response.status_code == 422, response.text
    assert [problem["loc"] for problem in response.json()["detail"]] == [location], response.text


async def post_raw(issuance, path: str, headers: dict, text: str):
    return await issuance.client.post(path, content=text.encode("utf-8", "surrogatepass"),
                                      headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("escaped, location", [
    ('"name": {"fi": "Kulttuuri\\u0000kortti"}', ["body", "name", "fi"]),
    ('"name": {"fi": "Kulttuurikortti"}, "eligibility_criteria": ["\\ud800"]', ["body", "eligibility_criteria", 0]),
    ('"name": {"fi": "Kulttuurikortti"}, "participating_regions": ["uusimaa\\u0000"]',
     ["body", "participating_regions", 0]),
])
async def test_unstorable_text_in_a_programme_is_refused_and_nothing_is_defined(issuance, escaped, location):
    coordinator = issuance.coordinator()
    text = f'{{"programme_id": "odd-programme", "home_region": "uusimaa", {escaped}}}'
    if "participating_regions" not in escaped:
        text = text[:-1] + ', "participating_regions": ["uusimaa"]}'
    refused(await post_raw(issuance, "/v1/programmes", coordinator, text), location)
    listed = await issuance.client.get("/v1/programmes", headers=coordinator)
    assert "odd-programme" not in listed.text


async def test_nan_in_a_card_background_is_refused(issuance):
    worker = await issuance.worker()
    body = json.dumps({"programme_id": await issuance.programme(), "criteria_confirmed": [issuance.criterion],
                       "background": {**issuance.background, "age": float("nan")}})
    assert "NaN" in body
    refused(await post_raw(issuance, "/v1/cards", worker, body), ["body"])


@pytest.mark.parametrize("path", ["/v1/cards?programme_id=%00", "/v1/cards?distributor_id=x%00y"])
async def test_a_nul_in_the_card_list_filters_is_refused(issuance, path):
    refused(await issuance.client.get(path, headers=issuance.coordinator()), ["query"])


async def test_a_nul_in_a_programme_id_in_the_path_is_refused(issuance):
    response = await issuance.client.put("/v1/programmes/a%00b", headers=issuance.coordinator(),
                                         json={"name": {"fi": "Kortti"}, "participating_regions": ["uusimaa"]})
    refused(response, ["path"])


async def test_a_body_of_invalid_utf8_is_a_bad_request(issuance):
    worker = await issuance.worker()
    response = await issuance.client.post("/v1/cards", content=b'{"programme_id": "\xff"}',
                                          headers={**worker, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("postal_code", ["０２１００", "٠٢١٠٠"])
async def test_a_postal_code_of_non_ascii_digits_is_refused(issuance, postal_code):
    worker = await issuance.worker()
    response = await issuance.issue(worker, await issuance.programme(),
                                    background={**issuance.background, "postal_code": postal_code})
    refused(response, ["body", "background", "postal_code"])


async def test_texts_and_lists_have_maximum_lengths(issuance):
    coordinator = issuance.coordinator()
    terms = {"programme_id": "long-programme", "home_region": "uusimaa", "name": {"fi": "Kortti"},
             "participating_regions": ["uusimaa"]}
    too_long = [({"name": {"sv": "x" * (NAME_LENGTH + 1)}}, ["body", "name", "sv"]),
                ({"eligibility_criteria": ["x" * (STATEMENT_LENGTH + 1)]}, ["body", "eligibility_criteria", 0]),
                ({"eligibility_criteria": ["x"] * (MAX_LIST_ITEMS + 1)}, ["body", "eligibility_criteria"])]
    for change, location in too_long:
        refused(await issuance.client.post("/v1/programmes", json=terms | change, headers=coordinator), location)
    response = await issuance.client.post("/v1/distributors", headers=coordinator, json={
        "distributor_id": "long-name-office", "name": {"en": "x" * (NAME_LENGTH + 1)}, "kind": "social_office",
        "region": "uusimaa"})
    refused(response, ["body", "name", "en"])
    worker = await issuance.worker()
    response = await issuance.issue(worker, await issuance.programme(),
                                    criteria_confirmed=[issuance.criterion, "x" * (STATEMENT_LENGTH + 1)])
    refused(response, ["body", "criteria_confirmed", 1])
    at_the_limit = terms | {"name": {"sv": "å" * NAME_LENGTH}, "eligibility_criteria": ["x" * STATEMENT_LENGTH]}
    assert (await issuance.client.post("/v1/programmes", json=at_the_limit, headers=coordinator)).status_code == 201

"""Input that used to end in a 500 (NUL characters, lone surrogates, times outside the UTC calendar)
or that had no bound (texts of any length, digits of other scripts): each is a 422 saying where."""

import pytest

from leisure_runtime.request_types import DESCRIPTION_LENGTH, NAME_LENGTH

pytestmark = pytest.mark.integration


def refused(response, location: list) -> None:
    assert response.status_code == 422, response.text
    assert [problem["loc"] for problem in response.json()["detail"]] == [location], response.text


@pytest.mark.parametrize("query", ["q=teatteri%00", "municipality=%00", "region=uusimaa%00", "language=f%00",
                                   "programme=%00culture"])
async def test_a_nul_in_a_catalogue_search_is_refused(venues_api, query):
    refused(await venues_api.get(f"/v1/catalogue/offers?{query}"), ["query"])


@pytest.mark.parametrize("text, location", [
    ('{"fi": "Teatteri\\u0000"}', ["body", "name", "fi"]),
    ('{"sv": "\\udfff"}', ["body", "name", "sv"]),
])
async def test_unstorable_text_in_a_venue_is_refused(venues_api, coordinator, text, location):
    body = ('{"name": ' + text + ', "region": "uusimaa", "municipality": "Espoo", "kind": "theatre", '
            '"postal_code": "02100"}')
    response = await venues_api.post("/v1/venues", content=body.encode("utf-8", "surrogatepass"),
                                     headers={**coordinator, "Content-Type": "application/json"})
    refused(response, location)


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
async def test_an_offer_time_outside_the_utc_calendar_is_refused(venues_api, new_venue, staff_of, field):
    venue = await new_venue()
    body = {"category": "culture", "kind": "free_ticket", "title": {"fi": "Näytös"},
            "accepted_programmes": ["culture-card"], field: "0001-01-01T00:00:00+14:00"}
    response = await venues_api.post(f"/v1/venues/{venue['venue_id']}/offers", json=body,
                                     headers=staff_of(venue["venue_id"]))
    refused(response, ["body", field])


async def test_a_changed_offer_time_outside_the_utc_calendar_is_refused(venues_api, new_venue, new_offer, staff_of):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"])
    response = await venues_api.patch(f"/v1/offers/{offer['offer_id']}", json={"ends_at": "9999-12-31T23:00:00-02:00"},
                                      headers=staff_of(venue["venue_id"]))
    refused(response, ["body", "ends_at"])


@pytest.mark.parametrize("postal_code", ["０２１００", "٠٢١٠٠"])
async def test_a_postal_code_of_non_ascii_digits_is_refused(venues_api, coordinator, new_venue, postal_code):
    body = {"name": {"fi": "Paikka"}, "region": "uusimaa", "municipality": "Espoo", "kind": "theatre",
            "postal_code": postal_code}
    refused(await venues_api.post("/v1/venues", json=body, headers=coordinator), ["body", "postal_code"])
    venue = await new_venue()
    response = await venues_api.patch(f"/v1/venues/{venue['venue_id']}", json={"postal_code": postal_code},
                                      headers=coordinator)
    refused(response, ["body", "postal_code"])


async def test_texts_have_maximum_lengths(venues_api, coordinator, new_venue, new_offer, staff_of):
    venue = await new_venue()
    staff = staff_of(venue["venue_id"])
    offers = f"/v1/venues/{venue['venue_id']}/offers"
    offer = {"category": "culture", "kind": "free_ticket", "title": {"fi": "Näytös"},
             "accepted_programmes": ["culture-card"]}
    cases = [
        (offers, "post", offer | {"title": {"fi": "x" * (NAME_LENGTH + 1)}}, ["body", "title", "fi"]),
        (offers, "post", offer | {"description": {"en": "x" * (DESCRIPTION_LENGTH + 1)}},
         ["body", "description", "en"]),
        (f"/v1/venues/{venue['venue_id']}", "patch", {"accessibility": {"sv": "x" * (DESCRIPTION_LENGTH + 1)}},
         ["body", "accessibility", "sv"]),
        (f"/v1/venues/{venue['venue_id']}", "patch", {"name": {"fi": "x" * (NAME_LENGTH + 1)}}, ["body", "name", "fi"]),
        ("/v1/catalogue/offers?municipality=" + "x" * 101, "get", None, ["query", "municipality"]),
    ]
    for path, method, body, location in cases:
        kwargs = {} if body is None else {"json": body, "headers": staff}
        refused(await venues_api.request(method.upper(), path, **kwargs), location)
    # 1 MiB of description used to be accepted, and its event then stopped the relay for good.
    huge = offer | {"description": {"fi": "x" * 1_048_576}}
    too_large = await venues_api.post(offers, json=huge, headers=staff)
    assert (too_large.status_code, too_large.json()["code"]) == (413, "request_too_large")
    at_the_limit = await new_offer(venue["venue_id"], title={"fi": "ä" * NAME_LENGTH},
                                   description={"fi": "ä" * DESCRIPTION_LENGTH})
    assert at_the_limit["description"]["fi"] == "ä" * DESCRIPTION_LENGTH

"""Input that used to end in a 500 when recording a visit: NaN tickets, a lone surrogate (its 422
could not even be encoded), a time before year 1 in UTC. Each is a 422 saying where."""

import json
from uuid import uuid4

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration
VENUE = uuid4()
STAFF = {**bearer(Role.venue_staff, "staff-odd", venues=[VENUE]), "Content-Type": "application/json"}
VALID_NUMBER = "123456789018"  # passes the check digit: the request gets as far as its time


def body(**changes) -> str:
    return json.dumps({"card_number": VALID_NUMBER, "offer_id": str(uuid4()), "idempotency_key": uuid4().hex,
                       **changes})


def refused(response, location: list) -> None:
    assert response.status_code == 422, response.text
    assert [problem["loc"] for problem in response.json()["detail"]] == [location], response.text


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
async def test_tickets_that_are_not_a_number_are_refused(usage_app, value):
    _, client = usage_app
    refused(await client.post("/v1/visits", content=body(tickets=value), headers=STAFF), ["body"])


@pytest.mark.parametrize("field", ["card_number", "idempotency_key"])
async def test_a_lone_surrogate_is_refused(usage_app, field):
    _, client = usage_app
    text = body(**{field: "abcdefgh\ud800"})
    assert "\\ud800" in text
    refused(await client.post("/v1/visits", content=text, headers=STAFF), ["body", field])


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
async def test_a_visit_time_outside_the_utc_calendar_is_refused(usage_app, occurred_at):
    _, client = usage_app
    response = await client.post("/v1/visits", content=body(occurred_at=occurred_at), headers=STAFF)
    refused(response, ["body", "occurred_at"])


async def test_a_nul_in_a_path_is_refused(usage_app):
    _, client = usage_app
    refused(await client.get("/v1/venues/%00/visits", headers=STAFF), ["path"])

"""A personal identity code typed into the wrong field never comes back in usage's answers."""

from uuid import uuid4

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration
IDENTITY_CODE = "131052-308T"


@pytest.mark.parametrize("changes", [
    {"card_number": IDENTITY_CODE * 4},  # longer than any card number
    {"henkilotunnus": IDENTITY_CODE},  # a field the request does not have
    {"tickets": IDENTITY_CODE},
])
async def test_a_refused_visit_request_names_the_field_but_not_the_value(usage_app, changes):
    _app, client = usage_app
    venue = str(uuid4())
    body = {"card_number": "123456789018", "offer_id": str(uuid4()), "idempotency_key": uuid4().hex} | changes
    response = await client.post("/v1/visits", json=body, headers=bearer(Role.venue_staff, venues=[venue]))
    assert response.status_code == 422
    assert IDENTITY_CODE not in response.text
    assert [problem["loc"][1] for problem in response.json()["detail"]] == list(changes)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"

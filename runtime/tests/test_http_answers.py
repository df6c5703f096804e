"""What every service's HTTP layer does before and after a route: body size limit, refusals that
never repeat the input, `{code, detail}` declared in the OpenAPI, the security headers, and no
start with the public development secret outside local mode."""

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from leisure_infra.service_testing import bearer
from leisure_runtime.app import ServiceDefinition, create_service_app
from leisure_runtime.auth import Principal, Role, require
from leisure_runtime.errors import NotFound
from leisure_runtime.settings import InsecureSettings, ServiceSettings

probe = APIRouter(prefix="/v1")
IDENTITY_CODE = "131052-308T"


class Note(BaseModel):
    card_number: str = Field(pattern=r"^\d{12}$")
    text: str = ""


@probe.post("/notes")
async def add_note(note: Note, _staff: Principal = Depends(require(Role.venue_staff))) -> dict:
    return {"length": len(note.text)}


@probe.get("/notes/{number}")
async def note(number: str, _staff: Principal = Depends(require(Role.venue_staff))) -> dict:
    raise NotFound("note_unknown", "no note has that number; check it")


@probe.get("/public")
async def public() -> dict:
    return {"open": True}


def settings(**changes) -> ServiceSettings:
    return ServiceSettings(**{"service_name": "probe", "environment": "local", "request_max_bytes": 1024} | changes)


@pytest.fixture
def client() -> TestClient:
    """The app without its lifespan: these routes need no database or broker."""
    return TestClient(create_service_app(ServiceDefinition(settings=settings(), title="probe", description="probe",
                                                           routers=[probe])))


STAFF = bearer(Role.venue_staff, venues=["venue-1"])


def test_a_body_within_the_limit_is_read(client):
    answer = client.post("/v1/notes", json={"card_number": "123456789012", "text": "x" * 900}, headers=STAFF)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"length": 900}


def test_a_body_declared_larger_than_the_limit_is_413_before_it_is_read(client):
    answer = client.post("/v1/notes", content=b"{" + b" " * 5000 + b"}", headers=STAFF | {
        "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json() == {"code": "request_too_large",
                             "detail": "the request body is larger than the 1,024 bytes allowed; send less"}
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_without_a_length_is_counted_and_refused_past_the_limit(client):
    def chunks():
        for _ in range(50):
            yield b" " * 100

    answer = client.post("/v1/notes", content=chunks(), headers=STAFF | {"Content-Type": "application/json"})
    assert "content-length" not in {name.lower() for name in answer.request.headers}
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large"


def test_a_validation_refusal_names_the_field_but_never_repeats_the_value(client):
    answer = client.post("/v1/notes", json={"card_number": IDENTITY_CODE}, headers=STAFF)
    assert answer.status_code == 422
    assert IDENTITY_CODE not in answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "card_number"] and problem["type"] == "string_pattern_mismatch"


def test_authentication_is_checked_before_the_body_is_judged(client):
    answer = client.post("/v1/notes", json={"card_number": IDENTITY_CODE})
    assert answer.status_code == 401
    assert IDENTITY_CODE not in answer.text


def test_every_refusal_has_a_code_and_a_detail(client):
    unauthenticated = client.get("/v1/notes/1")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json() == {"code": "unauthorized",
                                      "detail": "no bearer token: send 'Authorization: Bearer <token>'"}
    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    forbidden = client.get("/v1/notes/1", headers=bearer(Role.distributor, region="uusimaa", organisation="o"))
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert client.get("/v1/notes/1", headers=STAFF).json() == {
        "code": "note_unknown", "detail": "no note has that number; check it"}
    assert client.get("/v1/nowhere").json() == {"code": "not_found", "detail": "Not Found"}
    assert client.delete("/v1/public").json() == {"code": "method_not_allowed", "detail": "Method Not Allowed"}


def test_the_openapi_declares_the_refusal_shape_on_every_service_route(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/notes", "/v1/notes/{number}", "/v1/public"):
        for operation in spec["paths"][path].values():
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/RefusalAnswer"}
            refs = {ref["$ref"] for ref in operation["responses"]["422"]["content"]["application/json"]["schema"]
                    ["anyOf"]}
            assert refs == {"#/components/schemas/RefusalAnswer", "#/components/schemas/InvalidRequest"}
    assert spec["components"]["schemas"]["RefusalAnswer"]["required"] == ["code", "detail"]


def test_staff_answers_are_not_stored_and_no_answer_is_sniffed(client):
    staff = client.post("/v1/notes", json={"card_number": "123456789012"}, headers=STAFF)
    assert staff.headers["cache-control"] == "no-store"
    assert staff.headers["x-content-type-options"] == "nosniff"
    refused = client.get("/v1/notes/1", headers=STAFF)
    assert refused.headers["cache-control"] == "no-store"
    public = client.get("/v1/public")
    assert public.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in public.headers


async def test_outside_local_mode_the_public_jwt_secret_stops_the_start():
    production = settings(environment="production")
    app = create_service_app(ServiceDefinition(settings=production, title="probe", description="probe"))
    with pytest.raises(InsecureSettings, match="value of PROBE_JWT_SECRET: .* PROBE_JWKS_URL .* will do"):
        async with app.router.lifespan_context(app):
            pass


@pytest.mark.parametrize("changes", [
    {"environment": "local"},
    {"environment": "production", "jwks_url": "https://idp.example/jwks.json"},
    {"environment": "production", "jwt_secret": "a-real-secret-of-at-least-32-bytes-here"},
])
def test_local_mode_or_a_real_key_is_allowed(changes):
    settings(**changes).refuse_public_secrets()


def test_production_is_the_default(monkeypatch):
    monkeypatch.delenv("PROBE_ENVIRONMENT", raising=False)
    assert ServiceSettings.for_service("probe").environment == "production"
    monkeypatch.setenv("PROBE_ENVIRONMENT", "local")
    assert ServiceSettings.for_service("probe").environment == "local"
